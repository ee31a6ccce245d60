package org.rltf.policy;

import ai.djl.ndarray.NDArray;

/**
 * Llama's feed-forward part, SwiGLU (Shazeer, "GLU Variants Improve Transformer"):
 * down_proj(silu(gate_proj(x)) * up_proj(x)), no biases; I = intermediate_size.
 */
final class SwiGluMlp {
    final NDArray gateProj; // [I, C]
    final NDArray upProj;   // [I, C]
    final NDArray downProj; // [C, I]

    SwiGluMlp(NDArray gateProj, NDArray upProj, NDArray downProj) {
        this.gateProj = gateProj;
        this.upProj = upProj;
        this.downProj = downProj;
    }

    /** [B, T, C] to [B, T, C]. */
    NDArray forward(NDArray x) {
        return Ops.linear(Ops.silu(Ops.linear(x, gateProj, null)).mul(Ops.linear(x, upProj, null)), downProj, null);
    }
}
