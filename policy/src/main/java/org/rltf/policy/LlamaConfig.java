package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the Llama architecture adds to a {@link ModelConfig} (Hugging Face LlamaConfig's names in
 * brackets); the model is {@link LlamaModel}.
 *
 * @param kvHeads          key/value heads (num_key_value_heads); divides {@code heads}; fewer = grouped-query attention
 * @param intermediateSize SwiGLU hidden width (intermediate_size)
 * @param rmsEps           RMSNorm epsilon (rms_norm_eps)
 * @param ropeTheta        rotary embedding base (rope_theta)
 * @param tiedHead         output head shares the token embedding (tie_word_embeddings)
 */
public record LlamaConfig(int kvHeads, int intermediateSize, double rmsEps, double ropeTheta, boolean tiedHead) implements ModelConfig.Architecture {
    /** config.json's {@code architecture}. */
    public static final String NAME = "llama";

    public LlamaConfig {
        ModelConfig.require(kvHeads >= 1, "kvHeads", kvHeads, "must be >= 1");
        ModelConfig.require(intermediateSize >= 1, "intermediateSize", intermediateSize, "must be >= 1");
        if (!(rmsEps > 0)) throw new IllegalArgumentException("ModelConfig.rmsEps=" + rmsEps + ": must be > 0");
        if (!(ropeTheta > 1)) throw new IllegalArgumentException("ModelConfig.ropeTheta=" + ropeTheta + ": must be > 1");
    }

    @Override
    public String name() { return NAME; }

    /** What these settings need of the shared shape: key/value heads that group the query heads evenly, and head dimensions in pairs for the rotation. */
    void checkFits(int width, int heads) {
        ModelConfig.require(heads % kvHeads == 0, "kvHeads", kvHeads, "must divide heads " + heads);
        ModelConfig.require(width / heads % 2 == 0, "heads", heads, "must leave an even head dimension for rotary embeddings (width " + width + ")");
    }

    /** This record's fields in config.json, after the shared ones. */
    void writeJson(ObjectNode n) {
        n.put("kvHeads", kvHeads);
        n.put("intermediateSize", intermediateSize);
        n.put("rmsEps", rmsEps);
        n.put("ropeTheta", ropeTheta);
        n.put("tiedHead", tiedHead);
    }

    /** Reads {@link #writeJson}'s fields; each is required. */
    static LlamaConfig fromJson(JsonNode n) {
        JsonNode tied = n.get("tiedHead");
        if (tied == null || !tied.isBoolean()) throw new IllegalArgumentException("model config: missing or non-boolean 'tiedHead'");
        return new LlamaConfig(ModelConfig.intField(n, "kvHeads"), ModelConfig.intField(n, "intermediateSize"), ModelConfig.doubleField(n, "rmsEps"),
                ModelConfig.doubleField(n, "ropeTheta"), tied.asBoolean());
    }

    /**
     * The Llama part of a Hugging Face Llama {@code config.json}: num_key_value_heads (default: heads),
     * intermediate_size, rms_norm_eps (default 1e-6), rope_theta (default 10000), tie_word_embeddings
     * (default false). Refuses what {@link LlamaModel} does not implement: rope_scaling, attention or
     * MLP biases, a head_dim other than hidden_size / heads, an activation other than SiLU.
     */
    static LlamaConfig fromHuggingFace(JsonNode n, int width, int heads) {
        if (n.hasNonNull("rope_scaling")) throw new IllegalArgumentException("Llama config: rope_scaling is not supported");
        if (n.path("attention_bias").asBoolean(false) || n.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException("Llama config: attention_bias / mlp_bias are not supported");
        }
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) throw new IllegalArgumentException("Llama config: hidden_act '" + act + "' is not supported (silu)");
        if (n.hasNonNull("head_dim") && heads > 0 && n.get("head_dim").asInt() * heads != width) {
            throw new IllegalArgumentException("Llama config: head_dim " + n.get("head_dim").asInt() + " != hidden_size / num_attention_heads is not supported");
        }
        return new LlamaConfig(n.hasNonNull("num_key_value_heads") ? ModelConfig.intField(n, "num_key_value_heads") : heads,
                ModelConfig.intField(n, "intermediate_size"),
                n.hasNonNull("rms_norm_eps") ? ModelConfig.doubleField(n, "rms_norm_eps") : 1e-6,
                n.hasNonNull("rope_theta") ? ModelConfig.doubleField(n, "rope_theta") : 10000.0,
                n.path("tie_word_embeddings").asBoolean(false));
    }
}
