package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decoder-only language model as {@link Policy}, {@link Sampler} and {@link PolicyTrainer} use it:
 * named parameters, a forward pass to the final hidden states that can read and extend a
 * {@link KvCache}, and the output head. One implementation per architecture, each in its own files:
 * {@link GptModel} (GPT-2) and {@link LlamaModel} (Llama); the static methods pick it from
 * {@link ModelConfig#arch()}.
 *
 * <p>Why not DJL's Block API: a Block's forward goes through a ParameterStore and NDList plumbing
 * per call, and DJL's attention blocks have no causal KV cache. On 2 CPU cores per-op overhead is
 * a visible share of a step, so a model is a plain parameter set and its forward is the ~20
 * fused libtorch ops per block that nanoGPT's is; autograd runs in libtorch either way.
 */
interface CausalLm extends AutoCloseable {
    /** The model for {@code config}, its parameters loaded from {@code weights} (canonical names, checked first). */
    static CausalLm create(ModelConfig config, NDManager manager, TensorSource weights) {
        if (config.arch() instanceof Gpt2Config) return new GptModel(config, manager, weights);
        if (config.arch() instanceof LlamaConfig llama) return new LlamaModel(config, llama, manager, weights);
        throw unsupported(config);
    }

    /** Canonical parameter names and shapes, in the order they are initialised and saved. */
    static LinkedHashMap<String, long[]> parameterShapes(ModelConfig config) {
        if (config.arch() instanceof Gpt2Config) return GptModel.parameterShapes(config);
        if (config.arch() instanceof LlamaConfig llama) return LlamaModel.parameterShapes(config, llama);
        throw unsupported(config);
    }

    /** Fresh weights, nanoGPT's scheme drawn from {@code seed} (see {@link Parameters#initial}). */
    static LinkedHashMap<String, Safetensors.Tensor> initialWeights(ModelConfig config, long seed) {
        if (config.arch() instanceof Gpt2Config) return GptModel.initialWeights(config, seed);
        if (config.arch() instanceof LlamaConfig llama) return LlamaModel.initialWeights(config, llama, seed);
        throw unsupported(config);
    }

    /** Refuses weights whose names or shapes are not exactly {@link #parameterShapes}'s, listing what is wrong. */
    static void checkWeights(ModelConfig config, Map<String, Safetensors.Tensor> weights) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        weights.forEach((n, t) -> shapes.put(n, t.shape()));
        Parameters.check(config, parameterShapes(config), shapes);
    }

    private static IllegalStateException unsupported(ModelConfig config) {
        return new IllegalStateException("no model for architecture " + config.architecture());
    }

    ModelConfig config();

    /** The parameters by canonical name (live arrays: the trainer updates them in place). */
    Parameters parameters();

    /**
     * Runs the blocks and the final norm.
     *
     * @param ids       [B, T] int64 token ids
     * @param positions int64 positions, [T] (shared by every row) or [B, T]
     * @param mask      additive mask broadcastable to [B, H, T, start + T]
     * @param cache     null, or the KV cache to read and extend at {@code start}
     * @return [B, T, C] final hidden states
     */
    NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, int start, NDManager step);

    /** Output head: [.., C] hidden states to [.., V] logits. */
    NDArray logits(NDArray hidden);

    /** [T, start + T] view of the causal mask for queries at positions [start, start + T). */
    NDArray causalMask(int start, int t, NDManager step);

    /** An empty cache for {@code batch} rows of up to {@code capacity} positions, shaped for this model's key/value heads. */
    KvCache newCache(NDManager manager, int batch, int capacity);

    /** What the canonical names are, recorded as {@code layout} in model.safetensors' metadata. */
    String weightsLayout();

    /** The manager that owns the parameters and the model's constant tables. */
    default NDManager manager() {
        return parameters().manager();
    }

    /** Frees the parameters and everything else on the model's manager. */
    @Override
    default void close() {
        parameters().close();
    }
}
