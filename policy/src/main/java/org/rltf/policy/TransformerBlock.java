package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** nanoGPT's {@code Block}, pre-norm: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). */
final class TransformerBlock {
    final NDArray ln1Weight;
    final NDArray ln1Bias;
    final CausalSelfAttention attn;
    final NDArray ln2Weight;
    final NDArray ln2Bias;
    final Mlp mlp;

    TransformerBlock(NDArray ln1Weight, NDArray ln1Bias, CausalSelfAttention attn, NDArray ln2Weight, NDArray ln2Bias, Mlp mlp) {
        this.ln1Weight = ln1Weight;
        this.ln1Bias = ln1Bias;
        this.attn = attn;
        this.ln2Weight = ln2Weight;
        this.ln2Bias = ln2Bias;
        this.mlp = mlp;
    }

    NDArray forward(NDArray x, NDArray mask, NDArray scale, KvCache cache, int layer, int start, NDManager step) {
        x = x.add(attn.forward(Ops.layerNorm(x, ln1Weight, ln1Bias), mask, scale, cache, layer, start, step));
        return x.add(mlp.forward(Ops.layerNorm(x, ln2Weight, ln2Bias)));
    }
}
