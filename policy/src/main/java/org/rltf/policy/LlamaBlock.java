package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Hugging Face's LlamaDecoderLayer, pre-norm with RMSNorm:
 * x = x + self_attn(input_layernorm(x)); x = x + mlp(post_attention_layernorm(x)).
 */
final class LlamaBlock {
    final NDArray inputLayernorm;         // [C] RMSNorm gain
    final LlamaAttention selfAttn;
    final NDArray postAttentionLayernorm; // [C] RMSNorm gain
    final SwiGluMlp mlp;
    private final double rmsEps;

    /** @param prefix this layer's parameter names' prefix, {@code model.layers.<i>.} */
    LlamaBlock(Parameters p, String prefix, ModelConfig config, LlamaConfig llama) {
        inputLayernorm = p.get(prefix + "input_layernorm.weight");
        String a = prefix + "self_attn.";
        NDArray[] bias = llama.qkvBias()
                ? new NDArray[] {p.get(a + "q_proj.bias"), p.get(a + "k_proj.bias"), p.get(a + "v_proj.bias")}
                : new NDArray[3];
        selfAttn = new LlamaAttention(p.get(a + "q_proj.weight"), p.get(a + "k_proj.weight"), p.get(a + "v_proj.weight"), p.get(a + "o_proj.weight"),
                bias, config.heads(), llama.kvHeads(), config.headDim());
        postAttentionLayernorm = p.get(prefix + "post_attention_layernorm.weight");
        mlp = new SwiGluMlp(p.get(prefix + "mlp.gate_proj.weight"), p.get(prefix + "mlp.up_proj.weight"), p.get(prefix + "mlp.down_proj.weight"));
        rmsEps = llama.rmsEps();
    }

    /** x [B, T, C] to [B, T, C]; see {@link LlamaAttention#forward} for the rest. */
    NDArray forward(NDArray x, NDArray mask, NDArray scale, Rope.At rope, KvCache cache, int layer, int start, NDManager step) {
        x = x.add(selfAttn.forward(Ops.rmsNorm(x, inputLayernorm, rmsEps), mask, scale, rope, cache, layer, start, step));
        return x.add(mlp.forward(Ops.rmsNorm(x, postAttentionLayernorm, rmsEps)));
    }
}
