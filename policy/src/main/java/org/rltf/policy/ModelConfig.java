package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Locale;

/**
 * Shape of the decoder-only transformer. Two architectures share the pre-norm block structure:
 * {@code gpt2} (learned token and position embeddings, LayerNorm, causal self-attention with biases,
 * GELU MLP of width 4x, tied output head) and {@code llama} (no position table but rotary position
 * embeddings, RMSNorm, no biases, SwiGLU MLP, optional grouped-query attention, tied or separate
 * head); the latter's extra hyper-parameters are {@link Llama}, null for GPT-2.
 *
 * @param layers        number of transformer blocks
 * @param width         embedding width (n_embd)
 * @param heads         attention heads; must divide {@code width}
 * @param context       maximum sequence length (prompt + completion)
 * @param vocabSize     rows of the token embedding; at least the tokenizer's vocabulary
 * @param tokenizerKind {@code bytes} or {@code huggingface} (see {@link Tokenizer#kind()})
 * @param llama         the Llama variant's hyper-parameters, or null for GPT-2
 */
public record ModelConfig(int layers, int width, int heads, int context, int vocabSize, String tokenizerKind, Llama llama) {
    static { PolicyRuntime.configureOffline(); }

    /** The default architecture; config.json files written before the field existed are GPT-2. */
    public static final String ARCHITECTURE = "gpt2";
    public static final String LLAMA = "llama";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the Llama variant adds (Hugging Face LlamaConfig's names in brackets).
     *
     * @param kvHeads          key/value heads (num_key_value_heads); divides {@code heads}; fewer = grouped-query attention
     * @param intermediateSize SwiGLU hidden width (intermediate_size)
     * @param rmsEps           RMSNorm epsilon (rms_norm_eps)
     * @param ropeTheta        rotary embedding base (rope_theta)
     * @param tiedHead         output head shares the token embedding (tie_word_embeddings)
     */
    public record Llama(int kvHeads, int intermediateSize, double rmsEps, double ropeTheta, boolean tiedHead) {
        public Llama {
            require(kvHeads >= 1, "kvHeads", kvHeads, "must be >= 1");
            require(intermediateSize >= 1, "intermediateSize", intermediateSize, "must be >= 1");
            if (!(rmsEps > 0)) throw new IllegalArgumentException("ModelConfig.rmsEps=" + rmsEps + ": must be > 0");
            if (!(ropeTheta > 1)) throw new IllegalArgumentException("ModelConfig.ropeTheta=" + ropeTheta + ": must be > 1");
        }
    }

    public ModelConfig {
        require(layers >= 1, "layers", layers, "must be >= 1");
        require(width >= 1, "width", width, "must be >= 1");
        require(heads >= 1 && width % heads == 0, "heads", heads, "must be >= 1 and divide width " + width);
        require(context >= 2, "context", context, "must be >= 2");
        require(vocabSize >= 2, "vocabSize", vocabSize, "must be >= 2");
        if (tokenizerKind == null || tokenizerKind.isBlank()) throw new IllegalArgumentException("tokenizerKind must be set");
        if (llama != null) {
            require(heads % llama.kvHeads() == 0, "kvHeads", llama.kvHeads(), "must divide heads " + heads);
            require(width / heads % 2 == 0, "heads", heads, "must leave an even head dimension for rotary embeddings (width " + width + ")");
        }
    }

    /** A GPT-2 configuration. */
    public ModelConfig(int layers, int width, int heads, int context, int vocabSize, String tokenizerKind) {
        this(layers, width, heads, context, vocabSize, tokenizerKind, null);
    }

    /** {@code gpt2} or {@code llama}. */
    public String architecture() { return llama == null ? ARCHITECTURE : LLAMA; }

    public boolean isLlama() { return llama != null; }

    /** Key/value heads: {@code heads} for GPT-2, {@code llama.kvHeads} for Llama. */
    public int kvHeads() { return llama == null ? heads : llama.kvHeads(); }

    private static void require(boolean ok, String key, int value, String why) {
        if (!ok) throw new IllegalArgumentException("ModelConfig." + key + "=" + value + ": " + why);
    }

    /**
     * Named sizes. {@code tiny}: 4 layers, width 128 (about 0.8M parameters plus embeddings; trains in
     * minutes on 2 CPU cores). {@code small}: 6 layers, width 256 (about 4.7M). {@code base}: 12
     * layers, width 768 (GPT-2 small's shape, about 85M). All have a context of 1024 tokens, which
     * the byte-level tokenizer needs for a prompt plus a program. The tokenizer kind is {@code bytes}
     * when {@code vocabSize} is the byte tokenizer's, else {@code huggingface}; use
     * {@link #preset(String, Tokenizer)} to take both from a tokenizer.
     */
    public static ModelConfig preset(String name, int vocabSize) {
        String kind = vocabSize == ByteTokenizer.VOCAB_SIZE ? ByteTokenizer.KIND : HfTokenizer.KIND;
        switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny": return new ModelConfig(4, 128, 4, 1024, vocabSize, kind);
            case "small": return new ModelConfig(6, 256, 8, 1024, vocabSize, kind);
            case "base": return new ModelConfig(12, 768, 12, 1024, vocabSize, kind);
            default: throw new IllegalArgumentException("unknown model preset '" + name + "' (tiny, small, base)");
        }
    }

    /** A preset sized for {@code tokenizer}'s vocabulary and recording its kind. */
    public static ModelConfig preset(String name, Tokenizer tokenizer) {
        return preset(name, tokenizer.vocabSize()).withTokenizerKind(tokenizer.kind());
    }

    public ModelConfig withTokenizerKind(String kind) {
        return new ModelConfig(layers, width, heads, context, vocabSize, kind, llama);
    }

    public int headDim() { return width / heads; }

    /** Number of trainable parameters (a tied output head is counted once). */
    public long parameterCount() {
        long c = width;
        if (llama != null) {
            long kv = (long) kvHeads() * headDim();
            long i = llama.intermediateSize();
            long perBlock = 2 * c + 2 * c * c + 2 * kv * c + 3 * c * i;
            return (long) vocabSize * c * (llama.tiedHead() ? 1 : 2) + layers * perBlock + c;
        }
        long perBlock = 2 * c + (3 * c * c + 3 * c) + (c * c + c) + 2 * c + (4 * c * c + 4 * c) + (4 * c * c + c);
        return (long) vocabSize * c + (long) context * c + layers * perBlock + 2 * c;
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("architecture", architecture());
        n.put("layers", layers);
        n.put("width", width);
        n.put("heads", heads);
        n.put("context", context);
        n.put("vocabSize", vocabSize);
        n.put("tokenizerKind", tokenizerKind);
        if (llama != null) {
            n.put("kvHeads", llama.kvHeads());
            n.put("intermediateSize", llama.intermediateSize());
            n.put("rmsEps", llama.rmsEps());
            n.put("ropeTheta", llama.ropeTheta());
            n.put("tiedHead", llama.tiedHead());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses {@link #toJson()}'s output; unknown fields are ignored, a missing field or another architecture is refused. */
    public static ModelConfig fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model config is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("model config must be a JSON object");
        String arch = n.path("architecture").asText(ARCHITECTURE);
        Llama llama;
        if (ARCHITECTURE.equals(arch)) {
            llama = null;
        } else if (LLAMA.equals(arch)) {
            JsonNode tied = n.get("tiedHead");
            if (tied == null || !tied.isBoolean()) throw new IllegalArgumentException("model config: missing or non-boolean 'tiedHead'");
            llama = new Llama(intField(n, "kvHeads"), intField(n, "intermediateSize"), doubleField(n, "rmsEps"), doubleField(n, "ropeTheta"),
                    tied.asBoolean());
        } else {
            throw new IllegalArgumentException("model config architecture '" + arch + "' is not supported (" + ARCHITECTURE + " or " + LLAMA + ")");
        }
        return new ModelConfig(intField(n, "layers"), intField(n, "width"), intField(n, "heads"), intField(n, "context"),
                intField(n, "vocabSize"), textField(n, "tokenizerKind"), llama);
    }

    /**
     * Reads a Hugging Face Llama {@code config.json} (num_hidden_layers, hidden_size,
     * num_attention_heads, num_key_value_heads (default: heads), intermediate_size,
     * max_position_embeddings, vocab_size, rms_norm_eps (default 1e-6), rope_theta (default 10000),
     * tie_word_embeddings (default false)). Refuses what this model does not implement: rope_scaling,
     * attention or MLP biases, a head_dim other than hidden_size / heads, an activation other than SiLU.
     */
    public static ModelConfig fromHuggingFaceLlama(String configJson, String tokenizerKind) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("Llama config is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("Llama config must be a JSON object");
        int width = intField(n, "hidden_size");
        int heads = intField(n, "num_attention_heads");
        if (n.hasNonNull("rope_scaling")) throw new IllegalArgumentException("Llama config: rope_scaling is not supported");
        if (n.path("attention_bias").asBoolean(false) || n.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException("Llama config: attention_bias / mlp_bias are not supported");
        }
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) throw new IllegalArgumentException("Llama config: hidden_act '" + act + "' is not supported (silu)");
        if (n.hasNonNull("head_dim") && heads > 0 && n.get("head_dim").asInt() * heads != width) {
            throw new IllegalArgumentException("Llama config: head_dim " + n.get("head_dim").asInt() + " != hidden_size / num_attention_heads is not supported");
        }
        Llama llama = new Llama(n.hasNonNull("num_key_value_heads") ? intField(n, "num_key_value_heads") : heads, intField(n, "intermediate_size"),
                n.hasNonNull("rms_norm_eps") ? doubleField(n, "rms_norm_eps") : 1e-6,
                n.hasNonNull("rope_theta") ? doubleField(n, "rope_theta") : 10000.0,
                n.path("tie_word_embeddings").asBoolean(false));
        return new ModelConfig(intField(n, "num_hidden_layers"), width, heads, intField(n, "max_position_embeddings"),
                intField(n, "vocab_size"), tokenizerKind, llama);
    }

    private static double doubleField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("model config: missing or non-numeric '" + key + "'");
        return v.asDouble();
    }

    private static int intField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) throw new IllegalArgumentException("model config: missing or non-integer '" + key + "'");
        return v.asInt();
    }

    private static String textField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("model config: missing or non-text '" + key + "'");
        return v.asText();
    }
}
