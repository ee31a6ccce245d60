package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;

/**
 * Llama, as Hugging Face's LlamaForCausalLM computes it: a token embedding and no position table
 * (positions enter as rotary embeddings of queries and keys, {@link Rope}), {@code layers} pre-norm
 * {@link LlamaBlock}s, a final RMSNorm and an output head that is the token embedding
 * (tie_word_embeddings) or a separate {@code lm_head}. No biases, except Qwen2's on q, k and v
 * ({@link LlamaConfig#qkvBias()}). Parameters carry
 * Hugging Face's names ({@code model.layers.0.self_attn.q_proj.weight}, Linear weights as (out, in)),
 * so import and export are the identity.
 */
final class LlamaModel implements CausalLm {
    static final String LAYOUT = "hf-llama";

    private final ModelConfig config;
    private final LlamaConfig llama;
    private final Parameters params;
    final NDArray embedTokens; // [V, C]
    final LlamaBlock[] layers;
    final NDArray norm;        // [C] final RMSNorm gain
    final NDArray lmHead;      // [V, C]: embedTokens when tied
    private final Rope rope;
    private final CausalMask causal;
    private final NDArray scale; // 1/sqrt(head dim)

    LlamaModel(ModelConfig config, LlamaConfig llama, NDManager manager, TensorSource weights) {
        this.config = config;
        this.llama = llama;
        this.params = new Parameters(config, parameterShapes(config, llama), manager, weights);
        embedTokens = params.get("model.embed_tokens.weight");
        layers = new LlamaBlock[config.layers()];
        for (int i = 0; i < config.layers(); i++) layers[i] = new LlamaBlock(params, "model.layers." + i + ".", config, llama);
        norm = params.get("model.norm.weight");
        lmHead = llama.tiedHead() ? embedTokens : params.get("lm_head.weight");
        rope = new Rope(manager, config.context(), config.headDim(), RopeScaling.inverseFrequencies(config.headDim(), llama.ropeTheta(), llama.ropeScaling()));
        causal = new CausalMask(manager, config.context());
        scale = Ops.owned(manager, new float[] {(float) (1.0 / Math.sqrt(config.headDim()))}, new Shape());
    }

    /** Hugging Face LlamaForCausalLM's (and Qwen2ForCausalLM's) names and shapes, in the order they are initialised and saved. */
    static LinkedHashMap<String, long[]> parameterShapes(ModelConfig config, LlamaConfig llama) {
        long c = config.width();
        long q = (long) config.heads() * config.headDim();
        long kv = (long) llama.kvHeads() * config.headDim();
        long inter = llama.intermediateSize();
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        s.put("model.embed_tokens.weight", new long[] {config.vocabSize(), c});
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {c});
            s.put(p + "self_attn.q_proj.weight", new long[] {q, c});
            s.put(p + "self_attn.k_proj.weight", new long[] {kv, c});
            s.put(p + "self_attn.v_proj.weight", new long[] {kv, c});
            if (llama.qkvBias()) {
                s.put(p + "self_attn.q_proj.bias", new long[] {q});
                s.put(p + "self_attn.k_proj.bias", new long[] {kv});
                s.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            s.put(p + "self_attn.o_proj.weight", new long[] {c, q});
            s.put(p + "post_attention_layernorm.weight", new long[] {c});
            s.put(p + "mlp.gate_proj.weight", new long[] {inter, c});
            s.put(p + "mlp.up_proj.weight", new long[] {inter, c});
            s.put(p + "mlp.down_proj.weight", new long[] {c, inter});
        }
        s.put("model.norm.weight", new long[] {c});
        if (!llama.tiedHead()) s.put("lm_head.weight", new long[] {config.vocabSize(), c});
        return s;
    }

    /** nanoGPT's initialisation; o_proj and down_proj write into the residual stream. */
    static LinkedHashMap<String, Safetensors.Tensor> initialWeights(ModelConfig config, LlamaConfig llama, long seed) {
        return Parameters.initial(parameterShapes(config, llama), config.layers(), seed,
                name -> name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight"));
    }

    @Override
    public NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, int start, NDManager step) {
        NDArray x = Ops.embedding(ids, embedTokens); // [B, T, C]
        Rope.At angles = rope.at(positions, start + (int) ids.getShape().get(1)); // the rotation of each position, shared by every layer
        for (int i = 0; i < layers.length; i++) x = layers[i].forward(x, mask, scale, angles, cache, i, start, step);
        return Ops.rmsNorm(x, norm, llama.rmsEps());
    }

    /** logits = h W^T, W = lm_head, or the token embedding when tied. */
    @Override
    public NDArray logits(NDArray hidden) {
        return Ops.linear(hidden, lmHead, null);
    }

    @Override
    public NDArray causalMask(int start, int t, NDManager step) {
        return causal.rows(start, t, step);
    }

    /** Only the kvHeads key/value heads are cached; their query heads share them. */
    @Override
    public KvCache newCache(NDManager manager, int batch, int capacity) {
        return new KvCache(manager, config.layers(), llama.kvHeads(), config.headDim(), batch, capacity);
    }

    @Override
    public String weightsLayout() {
        return LAYOUT;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Parameters parameters() {
        return params;
    }
}
