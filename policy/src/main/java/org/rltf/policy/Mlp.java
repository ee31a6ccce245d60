package org.rltf.policy;

import ai.djl.ndarray.NDArray;

/**
 * The block's feed-forward part. GPT-2 (nanoGPT's {@code MLP}): Linear(C, 4C), GELU, Linear(4C, C),
 * with biases. Llama (SwiGLU): down(silu(gate(x)) * up(x)), no biases.
 */
final class Mlp {
    final NDArray cFcWeight;   // GPT-2 [4C, C] / Llama up_proj [I, C]
    final NDArray cFcBias;     // GPT-2 [4C] / Llama null
    final NDArray gateWeight;  // Llama gate_proj [I, C] / GPT-2 null
    final NDArray cProjWeight; // GPT-2 [C, 4C] / Llama down_proj [C, I]
    final NDArray cProjBias;   // GPT-2 [C] / Llama null

    private Mlp(NDArray cFcWeight, NDArray cFcBias, NDArray gateWeight, NDArray cProjWeight, NDArray cProjBias) {
        this.cFcWeight = cFcWeight;
        this.cFcBias = cFcBias;
        this.gateWeight = gateWeight;
        this.cProjWeight = cProjWeight;
        this.cProjBias = cProjBias;
    }

    static Mlp gelu(NDArray cFcWeight, NDArray cFcBias, NDArray cProjWeight, NDArray cProjBias) {
        return new Mlp(cFcWeight, cFcBias, null, cProjWeight, cProjBias);
    }

    static Mlp swiglu(NDArray gate, NDArray up, NDArray down) {
        return new Mlp(up, null, gate, down, null);
    }

    NDArray forward(NDArray x) {
        if (gateWeight == null) return Ops.linear(Ops.gelu(Ops.linear(x, cFcWeight, cFcBias)), cProjWeight, cProjBias);
        return Ops.linear(Ops.silu(Ops.linear(x, gateWeight, null)).mul(Ops.linear(x, cFcWeight, null)), cProjWeight, null);
    }
}
