package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Locale;

/**
 * Hugging Face {@code config.json} to {@link ModelConfig} and back, for model_type {@code gpt2},
 * {@code llama} and {@code qwen2}. Reading refuses, naming the key, every setting the models here do
 * not compute (a different activation, sliding-window attention, a rope type other than default,
 * linear and llama3, biases Llama does not have, ...): an import that silently computed something
 * else would be worse than none. Both transformers 4's {@code rope_theta} + {@code rope_scaling} and
 * transformers 5's {@code rope_parameters} are read; writing keeps whichever the imported file used.
 * Dropout settings are not read: the models here train without dropout.
 */
final class HfConfigs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfigs() {}

    static JsonNode parse(String json, String what) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) throw new IllegalArgumentException(what + " must be a JSON object");
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The model_type of a Hugging Face config.json, from {@code architectures} when it has none, else {@code fallback} (or refused, if null). */
    static String modelType(JsonNode n, String fallback) {
        if (n.hasNonNull("model_type")) return n.get("model_type").asText().toLowerCase(Locale.ROOT);
        String arch = n.path("architectures").path(0).asText("");
        if (arch.startsWith("GPT2")) return Gpt2Config.NAME;
        if (arch.startsWith("Llama")) return LlamaConfig.NAME;
        if (arch.startsWith("Qwen2")) return LlamaConfig.QWEN2;
        if (fallback != null) return fallback;
        throw new IllegalArgumentException("config.json has no model_type (and architectures " + n.path("architectures") + " is none of GPT2, Llama, Qwen2)");
    }

    /** A Hugging Face config.json as a model config recording {@code tokenizerKind}. */
    static ModelConfig read(String configJson, String tokenizerKind) {
        return read(configJson, tokenizerKind, null);
    }

    /** As {@link #read(String, String)}, taking a config.json without model_type or architectures to be {@code fallback}. */
    static ModelConfig read(String configJson, String tokenizerKind, String fallback) {
        JsonNode n = parse(configJson, "config.json");
        String type = modelType(n, fallback);
        switch (type) {
            case Gpt2Config.NAME:
                return gpt2(n, tokenizerKind);
            case LlamaConfig.NAME:
            case LlamaConfig.QWEN2:
                int width = ModelConfig.intField(n, "hidden_size");
                int heads = ModelConfig.intField(n, "num_attention_heads");
                return new ModelConfig(ModelConfig.intField(n, "num_hidden_layers"), width, heads, ModelConfig.intField(n, "max_position_embeddings"),
                        ModelConfig.intField(n, "vocab_size"), tokenizerKind, llamaPart(n, width, heads, type.equals(LlamaConfig.QWEN2)));
            default:
                throw new IllegalArgumentException("config.json: model_type '" + type + "' is not supported (gpt2, llama, qwen2)");
        }
    }

    private static ModelConfig gpt2(JsonNode n, String tokenizerKind) {
        int width = ModelConfig.intField(n, "n_embd");
        if (n.hasNonNull("n_inner") && n.get("n_inner").asInt() != 4 * width) refuse("n_inner", n.get("n_inner"), "null or 4 * n_embd");
        String act = n.path("activation_function").asText("gelu_new");
        String activation = switch (act) {
            case "gelu_new", "gelu_pytorch_tanh" -> Gpt2Config.GELU_TANH;
            case "gelu" -> Gpt2Config.GELU;
            default -> throw refusal("activation_function", act, "gelu_new, gelu_pytorch_tanh or gelu");
        };
        if (n.hasNonNull("layer_norm_epsilon") && Math.abs(n.get("layer_norm_epsilon").asDouble() - 1e-5) > 1e-12) {
            refuse("layer_norm_epsilon", n.get("layer_norm_epsilon"), "1e-5");
        }
        requireFlag(n, "scale_attn_weights", true);
        requireFlag(n, "scale_attn_by_inverse_layer_idx", false);
        requireFlag(n, "add_cross_attention", false);
        requireFlag(n, "tie_word_embeddings", true);
        int context = n.hasNonNull("n_positions") ? ModelConfig.intField(n, "n_positions") : ModelConfig.intField(n, "n_ctx");
        return new ModelConfig(ModelConfig.intField(n, "n_layer"), width, ModelConfig.intField(n, "n_head"), context,
                ModelConfig.intField(n, "vocab_size"), tokenizerKind, new Gpt2Config(activation));
    }

    /**
     * The Llama part of a Llama or Qwen2 config.json: num_key_value_heads (default: heads),
     * intermediate_size, rms_norm_eps (default 1e-6), rope_theta (default 10000), rope_scaling
     * (linear or llama3), head_dim, tie_word_embeddings (default false). Qwen2 adds its fixed q/k/v biases.
     */
    static LlamaConfig llamaPart(JsonNode n, int width, int heads, boolean qwen2) {
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) refuse("hidden_act", act, "silu");
        requireFlag(n, "mlp_bias", false);
        if (qwen2) {
            requireFlag(n, "use_sliding_window", false);
        } else {
            requireFlag(n, "attention_bias", false);
        }
        for (JsonNode t : n.path("layer_types")) {
            if (!t.asText().equals("full_attention")) refuse("layer_types", t, "full_attention only");
        }
        if (n.hasNonNull("partial_rotary_factor") && n.get("partial_rotary_factor").asDouble() != 1.0) refuse("partial_rotary_factor", n.get("partial_rotary_factor"), "1.0");
        double theta = n.hasNonNull("rope_theta") ? ModelConfig.doubleField(n, "rope_theta") : 10000.0;
        RopeScaling scaling = null;
        JsonNode params = n.get("rope_parameters"); // transformers 5
        if (params != null && params.isObject()) {
            if (params.hasNonNull("rope_theta")) theta = params.get("rope_theta").asDouble();
            scaling = RopeScaling.fromHuggingFace(params, "rope_parameters");
        }
        if (n.hasNonNull("rope_scaling")) scaling = RopeScaling.fromHuggingFace(n.get("rope_scaling"), "rope_scaling");
        int headDim = 0;
        if (n.hasNonNull("head_dim")) {
            int hd = ModelConfig.intField(n, "head_dim");
            if (heads <= 0 || hd * heads != width) headDim = hd;
        }
        return new LlamaConfig(n.hasNonNull("num_key_value_heads") ? ModelConfig.intField(n, "num_key_value_heads") : heads,
                ModelConfig.intField(n, "intermediate_size"), n.hasNonNull("rms_norm_eps") ? ModelConfig.doubleField(n, "rms_norm_eps") : 1e-6,
                theta, n.path("tie_word_embeddings").asBoolean(false), headDim, scaling, qwen2);
    }

    private static void requireFlag(JsonNode n, String key, boolean expected) {
        if (n.hasNonNull(key) && n.get(key).asBoolean() != expected) refuse(key, n.get(key), String.valueOf(expected));
    }

    private static void refuse(String key, Object value, String supported) {
        throw refusal(key, value, supported);
    }

    private static IllegalArgumentException refusal(String key, Object value, String supported) {
        return new IllegalArgumentException("config.json: " + key + " = " + value + " is not supported (" + supported + ")");
    }

    /**
     * The Hugging Face config.json of {@code c}: {@code base} (an imported model's own config.json) with
     * the keys that describe the model rewritten, or a new one. {@code torchDtype} is what the weights
     * are stored as (float32, bfloat16, float16).
     */
    static ObjectNode write(ModelConfig c, JsonNode base, int eosId, String torchDtype) {
        ObjectNode n = base == null ? JSON.createObjectNode() : (ObjectNode) base.deepCopy();
        boolean fresh = base == null;
        n.put(n.has("dtype") && !n.has("torch_dtype") ? "dtype" : "torch_dtype", torchDtype);
        if (fresh) {
            n.put("bos_token_id", eosId);
            n.put("eos_token_id", eosId);
        }
        if (c.arch() instanceof Gpt2Config gpt2) {
            n.putArray("architectures").add("GPT2LMHeadModel");
            n.put("model_type", Gpt2Config.NAME);
            n.put("n_layer", c.layers());
            n.put("n_embd", c.width());
            n.put("n_head", c.heads());
            n.put("n_positions", c.context());
            if (n.has("n_ctx")) n.put("n_ctx", c.context());
            n.put("vocab_size", c.vocabSize());
            n.putNull("n_inner");
            n.put("activation_function", gpt2.activation());
            n.put("layer_norm_epsilon", 1e-5);
            n.put("scale_attn_weights", true);
            n.put("tie_word_embeddings", true);
            if (fresh) { // trained here without dropout; Hugging Face's default is 0.1
                for (String k : new String[] {"resid_pdrop", "embd_pdrop", "attn_pdrop"}) n.put(k, 0.0);
            }
            return n;
        }
        LlamaConfig llama = (LlamaConfig) c.arch();
        n.putArray("architectures").add(llama.qkvBias() ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        n.put("model_type", llama.name());
        n.put("hidden_size", c.width());
        n.put("intermediate_size", llama.intermediateSize());
        n.put("num_hidden_layers", c.layers());
        n.put("num_attention_heads", c.heads());
        n.put("num_key_value_heads", llama.kvHeads());
        if (llama.headDim() > 0 || n.has("head_dim")) n.put("head_dim", c.headDim());
        n.put("max_position_embeddings", c.context());
        n.put("vocab_size", c.vocabSize());
        n.put("rms_norm_eps", llama.rmsEps());
        n.put("hidden_act", "silu");
        n.put("tie_word_embeddings", llama.tiedHead());
        if (llama.qkvBias()) n.put("use_sliding_window", false);
        else n.put("attention_bias", false);
        if (n.has("rope_parameters")) { // transformers 5's form
            ObjectNode rp = n.putObject("rope_parameters");
            if (llama.ropeScaling() != null) llama.ropeScaling().writeHuggingFace(rp);
            else rp.put("rope_type", "default");
            rp.put("rope_theta", llama.ropeTheta());
            n.remove("rope_scaling");
            n.remove("rope_theta");
        } else {
            n.put("rope_theta", llama.ropeTheta());
            if (llama.ropeScaling() != null) llama.ropeScaling().writeHuggingFace(n.putObject("rope_scaling"));
            else n.putNull("rope_scaling");
        }
        return n;
    }
}
