package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;

/**
 * GPT-2, as nanoGPT writes it: token + position embeddings, {@code layers} pre-norm
 * {@link TransformerBlock}s, a final LayerNorm and an output head tied to the token embedding.
 * Parameter names and layouts follow nanoGPT ({@code transformer.h.0.attn.c_attn.weight}, Linear
 * weights as (out, in)); {@link Gpt2Weights} maps Hugging Face's names and Conv1D layout onto them.
 */
final class GptModel implements CausalLm {
    static final String LAYOUT = "nanogpt";

    private final ModelConfig config;
    private final Parameters params;
    final NDArray wte;    // [V, C] token embedding, also the output head
    final NDArray wpe;    // [context, C] position embedding
    final TransformerBlock[] blocks;
    final NDArray lnfWeight; // [C]
    final NDArray lnfBias;   // [C]
    private final CausalMask causal;
    private final NDArray scale; // 1/sqrt(head dim)

    GptModel(ModelConfig config, NDManager manager, TensorSource weights) {
        this.config = config;
        this.params = new Parameters(config, parameterShapes(config), manager, weights);
        wte = params.get("transformer.wte.weight");
        wpe = params.get("transformer.wpe.weight");
        blocks = new TransformerBlock[config.layers()];
        for (int i = 0; i < config.layers(); i++) blocks[i] = new TransformerBlock(params, "transformer.h." + i + ".", config);
        lnfWeight = params.get("transformer.ln_f.weight");
        lnfBias = params.get("transformer.ln_f.bias");
        causal = new CausalMask(manager, config.context());
        scale = Ops.owned(manager, new float[] {(float) (1.0 / Math.sqrt(config.headDim()))}, new Shape());
    }

    /** nanoGPT's names and shapes, in the order they are initialised and saved. */
    static LinkedHashMap<String, long[]> parameterShapes(ModelConfig config) {
        long c = config.width();
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        s.put("transformer.wte.weight", new long[] {config.vocabSize(), c});
        s.put("transformer.wpe.weight", new long[] {config.context(), c});
        for (int i = 0; i < config.layers(); i++) {
            String p = "transformer.h." + i + ".";
            s.put(p + "ln_1.weight", new long[] {c});
            s.put(p + "ln_1.bias", new long[] {c});
            s.put(p + "attn.c_attn.weight", new long[] {3 * c, c});
            s.put(p + "attn.c_attn.bias", new long[] {3 * c});
            s.put(p + "attn.c_proj.weight", new long[] {c, c});
            s.put(p + "attn.c_proj.bias", new long[] {c});
            s.put(p + "ln_2.weight", new long[] {c});
            s.put(p + "ln_2.bias", new long[] {c});
            s.put(p + "mlp.c_fc.weight", new long[] {4 * c, c});
            s.put(p + "mlp.c_fc.bias", new long[] {4 * c});
            s.put(p + "mlp.c_proj.weight", new long[] {c, 4 * c});
            s.put(p + "mlp.c_proj.bias", new long[] {c});
        }
        s.put("transformer.ln_f.weight", new long[] {c});
        s.put("transformer.ln_f.bias", new long[] {c});
        return s;
    }

    /** nanoGPT's initialisation; attn.c_proj and mlp.c_proj write into the residual stream. */
    static LinkedHashMap<String, Safetensors.Tensor> initialWeights(ModelConfig config, long seed) {
        return Parameters.initial(parameterShapes(config), config.layers(), seed, name -> name.endsWith("c_proj.weight"));
    }

    @Override
    public NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, int start, NDManager step) {
        NDArray x = Ops.embedding(ids, wte);            // [B, T, C]
        x = x.add(Ops.embedding(positions, wpe));       // + [T, C] or [B, T, C]
        for (int i = 0; i < blocks.length; i++) x = blocks[i].forward(x, mask, scale, cache, i, start, step);
        return Ops.layerNorm(x, lnfWeight, lnfBias);
    }

    /** logits = h wte^T: the head is the token embedding (weight tying). */
    @Override
    public NDArray logits(NDArray hidden) {
        return Ops.linear(hidden, wte, null);
    }

    @Override
    public NDArray causalMask(int start, int t, NDManager step) {
        return causal.rows(start, t, step);
    }

    /** Every head has its own keys and values. */
    @Override
    public KvCache newCache(NDManager manager, int batch, int capacity) {
        return new KvCache(manager, config.layers(), config.heads(), config.headDim(), batch, capacity);
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
