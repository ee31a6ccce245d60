package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** nanoGPT's {@code Block}, pre-norm: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)). */
final class TransformerBlock {
    final NDArray ln1Weight; // [C]
    final NDArray ln1Bias;   // [C]
    final CausalSelfAttention attn;
    final NDArray ln2Weight; // [C]
    final NDArray ln2Bias;   // [C]
    final Mlp mlp;

    /** @param prefix this block's parameter names' prefix, {@code transformer.h.<i>.} */
    TransformerBlock(Parameters p, String prefix, ModelConfig config) {
        ln1Weight = p.get(prefix + "ln_1.weight");
        ln1Bias = p.get(prefix + "ln_1.bias");
        attn = new CausalSelfAttention(p.get(prefix + "attn.c_attn.weight"), p.get(prefix + "attn.c_attn.bias"),
                p.get(prefix + "attn.c_proj.weight"), p.get(prefix + "attn.c_proj.bias"), config.heads(), config.headDim());
        ln2Weight = p.get(prefix + "ln_2.weight");
        ln2Bias = p.get(prefix + "ln_2.bias");
        mlp = new Mlp(p.get(prefix + "mlp.c_fc.weight"), p.get(prefix + "mlp.c_fc.bias"), p.get(prefix + "mlp.c_proj.weight"), p.get(prefix + "mlp.c_proj.bias"),
                Gpt2Config.GELU_TANH.equals(((Gpt2Config) config.arch()).activation()) ? Ops::geluTanh : Ops::gelu);
    }

    /** x [B, T, C] to [B, T, C]; see {@link CausalSelfAttention#forward} for the rest. */
    NDArray forward(NDArray x, NDArray mask, NDArray scale, KvCache cache, int layer, int start, NDManager step) {
        x = x.add(attn.forward(Ops.layerNorm(x, ln1Weight, ln1Bias), mask, scale, cache, layer, start, step));
        return x.add(mlp.forward(Ops.layerNorm(x, ln2Weight, ln2Bias)));
    }
}
