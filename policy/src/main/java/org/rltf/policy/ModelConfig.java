package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Locale;

/**
 * Shape of a decoder-only transformer: what every architecture has (blocks, width, heads, context,
 * vocabulary, tokenizer), plus {@link Architecture}, what one architecture adds: {@link Gpt2Config}
 * (learned position embeddings, LayerNorm, biases, GELU MLP of width 4x, tied head; nothing to set)
 * or {@link LlamaConfig} (rotary positions, RMSNorm, SwiGLU, grouped-query attention, tied or
 * separate head). Each architecture has its own model classes (see {@link CausalLm}).
 *
 * @param layers        number of transformer blocks
 * @param width         embedding width (n_embd, hidden_size)
 * @param heads         attention (query) heads; must divide {@code width}
 * @param context       maximum sequence length (prompt + completion)
 * @param vocabSize     rows of the token embedding; at least the tokenizer's vocabulary
 * @param tokenizerKind {@code bytes} or {@code huggingface} (see {@link Tokenizer#kind()})
 * @param arch          the architecture and its own hyper-parameters
 */
public record ModelConfig(int layers, int width, int heads, int context, int vocabSize, String tokenizerKind, ModelConfig.Architecture arch) {
    static { PolicyRuntime.configureOffline(); }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one architecture adds to the shared shape; {@link #name()} is config.json's {@code architecture}. */
    public sealed interface Architecture permits Gpt2Config, LlamaConfig {
        /** {@code gpt2}, {@code llama} or {@code qwen2}. */
        String name();
    }

    public ModelConfig {
        require(layers >= 1, "layers", layers, "must be >= 1");
        require(width >= 1, "width", width, "must be >= 1");
        require(heads >= 1, "heads", heads, "must be >= 1");
        require(context >= 2, "context", context, "must be >= 2");
        require(vocabSize >= 2, "vocabSize", vocabSize, "must be >= 2");
        if (tokenizerKind == null || tokenizerKind.isBlank()) throw new IllegalArgumentException("tokenizerKind must be set");
        if (arch == null) throw new IllegalArgumentException("ModelConfig.arch must be set (Gpt2Config or LlamaConfig)");
        if (arch instanceof LlamaConfig llama) llama.checkFits(width, heads);
        else require(width % heads == 0, "heads", heads, "must divide width " + width);
    }

    /** A GPT-2 configuration. */
    public ModelConfig(int layers, int width, int heads, int context, int vocabSize, String tokenizerKind) {
        this(layers, width, heads, context, vocabSize, tokenizerKind, Gpt2Config.INSTANCE);
    }

    /** {@code gpt2}, {@code llama} or {@code qwen2}, as config.json records it. */
    public String architecture() { return arch.name(); }

    static void require(boolean ok, String key, int value, String why) {
        if (!ok) throw new IllegalArgumentException("ModelConfig." + key + "=" + value + ": " + why);
    }

    /**
     * Named GPT-2 sizes. {@code tiny}: 4 layers, width 128 (about 0.8M parameters plus embeddings; trains in
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
        return new ModelConfig(layers, width, heads, context, vocabSize, kind, arch);
    }

    /** Per-head width: width / heads, unless a Llama config sets head_dim. */
    public int headDim() { return arch instanceof LlamaConfig llama ? llama.headDim(width, heads) : width / heads; }

    /** Number of trainable parameters: the sizes of the architecture's parameter tensors (a tied output head is one tensor). */
    public long parameterCount() {
        long n = 0;
        for (long[] shape : CausalLm.parameterShapes(this).values()) {
            long size = 1;
            for (long d : shape) size *= d;
            n += size;
        }
        return n;
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
        if (arch instanceof LlamaConfig llama) llama.writeJson(n);
        if (arch instanceof Gpt2Config gpt2 && !gpt2.activation().equals(Gpt2Config.GELU)) n.put("activation", gpt2.activation());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses {@link #toJson()}'s output; unknown fields are ignored, a missing field or another
     * architecture is refused. A config.json written before the {@code architecture} field existed is GPT-2.
     */
    public static ModelConfig fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model config is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("model config must be a JSON object");
        String name = n.path("architecture").asText(Gpt2Config.NAME);
        Architecture arch = switch (name) {
            case Gpt2Config.NAME -> new Gpt2Config(n.path("activation").asText(Gpt2Config.GELU));
            case LlamaConfig.NAME, LlamaConfig.QWEN2 -> LlamaConfig.fromJson(n, name);
            default -> throw new IllegalArgumentException("model config architecture '" + name + "' is not supported ("
                    + Gpt2Config.NAME + ", " + LlamaConfig.NAME + ", " + LlamaConfig.QWEN2 + ")");
        };
        return new ModelConfig(intField(n, "layers"), intField(n, "width"), intField(n, "heads"), intField(n, "context"),
                intField(n, "vocabSize"), textField(n, "tokenizerKind"), arch);
    }

    /**
     * Reads a Hugging Face Llama {@code config.json} (see {@link HfConfigs#read}, which takes GPT-2
     * and Qwen2 too and lists what is refused); one without model_type or architectures is Llama.
     */
    public static ModelConfig fromHuggingFaceLlama(String configJson, String tokenizerKind) {
        return HfConfigs.read(configJson, tokenizerKind, LlamaConfig.NAME);
    }

    static double doubleField(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("model config: missing or non-numeric '" + key + "'");
        return v.asDouble();
    }

    static int intField(JsonNode n, String key) {
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
