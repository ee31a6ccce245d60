package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * nanoGPT's {@code Block}, pre-norm: x = x + attn(norm_1(x)); x = x + mlp(norm_2(x)). The norms are
 * LayerNorm (GPT-2; weight and bias) or RMSNorm (Llama; weight only, bias null).
 */
final class TransformerBlock {
    final NDArray ln1Weight;
    final NDArray ln1Bias;
    final CausalSelfAttention attn;
    final NDArray ln2Weight;
    final NDArray ln2Bias;
    final Mlp mlp;
    private final double rmsEps; // used only when the norms have no bias (Llama)

    TransformerBlock(NDArray ln1Weight, NDArray ln1Bias, CausalSelfAttention attn, NDArray ln2Weight, NDArray ln2Bias, Mlp mlp, double rmsEps) {
        this.ln1Weight = ln1Weight;
        this.ln1Bias = ln1Bias;
        this.attn = attn;
        this.ln2Weight = ln2Weight;
        this.ln2Bias = ln2Bias;
        this.mlp = mlp;
        this.rmsEps = rmsEps;
    }

    NDArray forward(NDArray x, NDArray mask, NDArray scale, NDArray[] rope, KvCache cache, int layer, int start, NDManager step) {
        x = x.add(attn.forward(norm(x, ln1Weight, ln1Bias), mask, scale, rope, cache, layer, start, step));
        return x.add(mlp.forward(norm(x, ln2Weight, ln2Bias)));
    }

    private NDArray norm(NDArray x, NDArray weight, NDArray bias) {
        return bias == null ? Ops.rmsNorm(x, weight, rmsEps) : Ops.layerNorm(x, weight, bias);
    }
}
