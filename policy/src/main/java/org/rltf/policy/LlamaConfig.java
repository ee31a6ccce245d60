package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the Llama architecture adds to a {@link ModelConfig} (Hugging Face LlamaConfig's names in
 * brackets); the model is {@link LlamaModel}. Qwen2 is this architecture with biases on the q, k and
 * v projections ({@code qkvBias}; Hugging Face's Qwen2 has exactly those and no others), so it
 * shares Llama's files and is named {@code qwen2} in config.json.
 *
 * @param kvHeads          key/value heads (num_key_value_heads); divides {@code heads}; fewer = grouped-query attention
 * @param intermediateSize SwiGLU hidden width (intermediate_size)
 * @param rmsEps           RMSNorm epsilon (rms_norm_eps)
 * @param ropeTheta        rotary embedding base (rope_theta)
 * @param tiedHead         output head shares the token embedding (tie_word_embeddings)
 * @param headDim          per-head width (head_dim); 0 = width / heads, as when Hugging Face's config has none
 * @param ropeScaling      rotary frequency scaling (rope_scaling), or null for none
 * @param qkvBias          q/k/v projections have biases: Qwen2
 */
public record LlamaConfig(int kvHeads, int intermediateSize, double rmsEps, double ropeTheta, boolean tiedHead, int headDim,
                          RopeScaling ropeScaling, boolean qkvBias) implements ModelConfig.Architecture {
    /** config.json's {@code architecture} without q/k/v biases. */
    public static final String NAME = "llama";
    /** config.json's {@code architecture} with them. */
    public static final String QWEN2 = "qwen2";

    public LlamaConfig {
        ModelConfig.require(kvHeads >= 1, "kvHeads", kvHeads, "must be >= 1");
        ModelConfig.require(intermediateSize >= 1, "intermediateSize", intermediateSize, "must be >= 1");
        ModelConfig.require(headDim >= 0 && headDim % 2 == 0, "headDim", headDim, "must be 0 (width / heads) or a positive even number");
        if (!(rmsEps > 0)) throw new IllegalArgumentException("ModelConfig.rmsEps=" + rmsEps + ": must be > 0");
        if (!(ropeTheta > 1)) throw new IllegalArgumentException("ModelConfig.ropeTheta=" + ropeTheta + ": must be > 1");
    }

    /** Plain Llama: head dimension width / heads, no rope scaling, no biases. */
    public LlamaConfig(int kvHeads, int intermediateSize, double rmsEps, double ropeTheta, boolean tiedHead) {
        this(kvHeads, intermediateSize, rmsEps, ropeTheta, tiedHead, 0, null, false);
    }

    @Override
    public String name() { return qkvBias ? QWEN2 : NAME; }

    /** The head dimension for a model of {@code width} and {@code heads}. */
    int headDim(int width, int heads) {
        return headDim > 0 ? headDim : width / heads;
    }

    /** What these settings need of the shared shape: key/value heads that group the query heads evenly, and head dimensions in pairs for the rotation. */
    void checkFits(int width, int heads) {
        ModelConfig.require(heads % kvHeads == 0, "kvHeads", kvHeads, "must divide heads " + heads);
        if (headDim == 0) {
            ModelConfig.require(width % heads == 0, "heads", heads, "must divide width " + width + " (or set headDim)");
            ModelConfig.require(width / heads % 2 == 0, "heads", heads, "must leave an even head dimension for rotary embeddings (width " + width + ")");
        }
    }

    /** This record's fields in config.json, after the shared ones; headDim and ropeScaling only when set, so older files read the same. */
    void writeJson(ObjectNode n) {
        n.put("kvHeads", kvHeads);
        n.put("intermediateSize", intermediateSize);
        n.put("rmsEps", rmsEps);
        n.put("ropeTheta", ropeTheta);
        n.put("tiedHead", tiedHead);
        if (headDim > 0) n.put("headDim", headDim);
        if (ropeScaling != null) ropeScaling.writeJson(n.putObject("ropeScaling"));
    }

    /** Reads {@link #writeJson}'s fields; each is required but headDim and ropeScaling; {@code qwen2} sets qkvBias. */
    static LlamaConfig fromJson(JsonNode n, String name) {
        JsonNode tied = n.get("tiedHead");
        if (tied == null || !tied.isBoolean()) throw new IllegalArgumentException("model config: missing or non-boolean 'tiedHead'");
        return new LlamaConfig(ModelConfig.intField(n, "kvHeads"), ModelConfig.intField(n, "intermediateSize"), ModelConfig.doubleField(n, "rmsEps"),
                ModelConfig.doubleField(n, "ropeTheta"), tied.asBoolean(), n.has("headDim") ? ModelConfig.intField(n, "headDim") : 0,
                n.hasNonNull("ropeScaling") ? RopeScaling.fromJson(n.get("ropeScaling"), "ropeScaling") : null, QWEN2.equals(name));
    }

    /**
     * The Llama part of a Hugging Face Llama or Qwen2 {@code config.json} (see {@link HfConfigs}, which
     * reads it and refuses what {@link LlamaModel} does not implement).
     */
    static LlamaConfig fromHuggingFace(JsonNode n, int width, int heads) {
        return HfConfigs.llamaPart(n, width, heads, false);
    }
}
