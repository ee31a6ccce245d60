package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Locale;

/**
 * Shape of the decoder-only transformer (GPT-2 layout: learned token and position embeddings,
 * pre-norm blocks, causal self-attention, GELU MLP of width 4x, tied output head).
 *
 * @param layers        number of transformer blocks
 * @param width         embedding width (n_embd)
 * @param heads         attention heads; must divide {@code width}
 * @param context       maximum sequence length (prompt + completion)
 * @param vocabSize     rows of the token embedding; at least the tokenizer's vocabulary
 * @param tokenizerKind {@code bytes} or {@code huggingface} (see {@link Tokenizer#kind()})
 */
public record ModelConfig(int layers, int width, int heads, int context, int vocabSize, String tokenizerKind) {
    static { PolicyRuntime.configureOffline(); }

    /** The only architecture this module implements; recorded in config.json so a reader can refuse others. */
    public static final String ARCHITECTURE = "gpt2";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        require(layers >= 1, "layers", layers, "must be >= 1");
        require(width >= 1, "width", width, "must be >= 1");
        require(heads >= 1 && width % heads == 0, "heads", heads, "must be >= 1 and divide width " + width);
        require(context >= 2, "context", context, "must be >= 2");
        require(vocabSize >= 2, "vocabSize", vocabSize, "must be >= 2");
        if (tokenizerKind == null || tokenizerKind.isBlank()) throw new IllegalArgumentException("tokenizerKind must be set");
    }

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
        return new ModelConfig(layers, width, heads, context, vocabSize, kind);
    }

    public ModelConfig withContext(int newContext) {
        return new ModelConfig(layers, width, heads, newContext, vocabSize, tokenizerKind);
    }

    public int headDim() { return width / heads; }

    /** Number of trainable parameters (the output head is tied to the token embedding). */
    public long parameterCount() {
        long c = width;
        long perBlock = 2 * c + (3 * c * c + 3 * c) + (c * c + c) + 2 * c + (4 * c * c + 4 * c) + (4 * c * c + c);
        return (long) vocabSize * c + (long) context * c + layers * perBlock + 2 * c;
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("architecture", ARCHITECTURE);
        n.put("layers", layers);
        n.put("width", width);
        n.put("heads", heads);
        n.put("context", context);
        n.put("vocabSize", vocabSize);
        n.put("tokenizerKind", tokenizerKind);
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
        if (!ARCHITECTURE.equals(arch)) {
            throw new IllegalArgumentException("model config architecture '" + arch + "' is not supported (only " + ARCHITECTURE + ")");
        }
        return new ModelConfig(intField(n, "layers"), intField(n, "width"), intField(n, "heads"), intField(n, "context"),
                intField(n, "vocabSize"), textField(n, "tokenizerKind"));
    }

    /** Reads a Hugging Face GPT-2 {@code config.json} (n_layer, n_embd, n_head, n_positions, vocab_size). */
    public static ModelConfig fromHuggingFaceGpt2(String configJson, String tokenizerKind) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("GPT-2 config is not valid JSON: " + e.getMessage(), e);
        }
        return new ModelConfig(intField(n, "n_layer"), intField(n, "n_embd"), intField(n, "n_head"),
                n.has("n_positions") ? intField(n, "n_positions") : intField(n, "n_ctx"), intField(n, "vocab_size"), tokenizerKind);
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
