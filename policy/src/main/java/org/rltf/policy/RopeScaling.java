package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * Rotary frequency scaling, Hugging Face's {@code rope_scaling} (transformers' modeling_rope_utils),
 * for the two types that change only the frequencies and not the attention scale:
 * <ul>
 *   <li>{@code linear} (position interpolation, Chen et al. 2023): every frequency divided by {@code factor};</li>
 *   <li>{@code llama3} (Llama 3.1): wavelengths longer than originalContext / lowFreqFactor divided by
 *       {@code factor}, shorter than originalContext / highFreqFactor kept, and the band between
 *       interpolated smoothly.</li>
 * </ul>
 * Other types (dynamic, yarn, longrope, ...) are refused where the config is read.
 *
 * @param type            {@code linear} or {@code llama3}
 * @param factor          the scaling factor (rope_scaling.factor), > 0
 * @param lowFreqFactor   llama3 only (low_freq_factor), else 0
 * @param highFreqFactor  llama3 only (high_freq_factor), else 0
 * @param originalContext llama3 only (original_max_position_embeddings), else 0
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {
    public static final String LINEAR = "linear";
    public static final String LLAMA3 = "llama3";

    public RopeScaling {
        if (!LINEAR.equals(type) && !LLAMA3.equals(type)) {
            throw new IllegalArgumentException("rope_scaling type '" + type + "' is not supported (" + LINEAR + ", " + LLAMA3 + ")");
        }
        if (!(factor > 0)) throw new IllegalArgumentException("rope_scaling.factor=" + factor + ": must be > 0");
        if (LLAMA3.equals(type) && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0 && originalContext > 0)) {
            throw new IllegalArgumentException("rope_scaling (llama3): needs high_freq_factor > low_freq_factor > 0 and original_max_position_embeddings > 0");
        }
    }

    /**
     * Hugging Face's inverse frequencies theta^(-2j/D), j < D/2, scaled. Computed in float32 step by
     * step as transformers does (its tables are float32), so positions far into a long context get the
     * angles the model was trained with rather than more exact ones.
     */
    static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        float[] inv = new float[headDim / 2];
        for (int j = 0; j < inv.length; j++) inv[j] = 1f / (float) Math.pow((float) theta, (float) (2 * j) / (float) headDim);
        if (scaling == null) return inv;
        float factor = (float) scaling.factor;
        if (LINEAR.equals(scaling.type)) {
            for (int j = 0; j < inv.length; j++) inv[j] = inv[j] / factor;
            return inv;
        }
        float lowWavelen = (float) (scaling.originalContext / scaling.lowFreqFactor);
        float highWavelen = (float) (scaling.originalContext / scaling.highFreqFactor);
        for (int j = 0; j < inv.length; j++) {
            float wavelen = (1f / inv[j]) * (float) (2 * Math.PI);
            float scaled = wavelen > lowWavelen ? inv[j] / factor : inv[j];
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                float smooth = ((1f / wavelen) * scaling.originalContext - (float) scaling.lowFreqFactor)
                        / (float) (scaling.highFreqFactor - scaling.lowFreqFactor);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[j] = scaled;
        }
        return inv;
    }

    void writeJson(ObjectNode n) {
        n.put("type", type);
        n.put("factor", factor);
        if (LLAMA3.equals(type)) {
            n.put("lowFreqFactor", lowFreqFactor);
            n.put("highFreqFactor", highFreqFactor);
            n.put("originalContext", originalContext);
        }
    }

    static RopeScaling fromJson(JsonNode n, String key) {
        String type = n.path("type").asText("");
        boolean l3 = LLAMA3.equals(type);
        return new RopeScaling(type, number(n, "factor", key), l3 ? number(n, "lowFreqFactor", key) : 0, l3 ? number(n, "highFreqFactor", key) : 0,
                l3 ? (int) number(n, "originalContext", key) : 0);
    }

    /**
     * Hugging Face's {@code rope_scaling} object (or transformers 5's {@code rope_parameters}): its type
     * under {@code rope_type} or the older {@code type}; null for the type {@code default}.
     */
    static RopeScaling fromHuggingFace(JsonNode n, String key) {
        if (!n.isObject()) throw new IllegalArgumentException(key + " must be an object");
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("default");
        type = type.toLowerCase(Locale.ROOT);
        if (type.equals("default")) return null;
        if (!type.equals(LINEAR) && !type.equals(LLAMA3)) {
            throw new IllegalArgumentException(key + ".rope_type '" + type + "' is not supported (default, " + LINEAR + ", " + LLAMA3 + ")");
        }
        if (n.hasNonNull("attention_factor") && n.get("attention_factor").asDouble() != 1.0) {
            throw new IllegalArgumentException(key + ".attention_factor " + n.get("attention_factor") + " is not supported (1.0)");
        }
        boolean l3 = type.equals(LLAMA3);
        return new RopeScaling(type, number(n, "factor", key), l3 ? number(n, "low_freq_factor", key) : 0, l3 ? number(n, "high_freq_factor", key) : 0,
                l3 ? (int) number(n, "original_max_position_embeddings", key) : 0);
    }

    /** Hugging Face's {@code rope_scaling} object for this scaling. */
    void writeHuggingFace(ObjectNode n) {
        n.put("rope_type", type);
        n.put("factor", factor);
        if (LLAMA3.equals(type)) {
            n.put("low_freq_factor", lowFreqFactor);
            n.put("high_freq_factor", highFreqFactor);
            n.put("original_max_position_embeddings", originalContext);
        }
    }

    private static double number(JsonNode n, String field, String key) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException(key + "." + field + ": missing or not a number");
        return v.asDouble();
    }
}
