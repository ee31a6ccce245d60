package org.rltf.policy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Llama weights saved by other tools under Hugging Face LlamaForCausalLM's names
 * ({@code model.embed_tokens.weight}, {@code model.layers.0.self_attn.q_proj.weight}, ...,
 * {@code model.norm.weight}, {@code lm_head.weight}), which are also {@link LlamaModel}'s own
 * names, so no renaming or transposing is needed (torch Linear is (out, in) here too). Rotary {@code inv_freq} buffers some exporters save are skipped (the model recomputes them
 * from rope_theta). With a tied head, an {@code lm_head.weight} in the file must equal the
 * embedding; with an untied head it is required.
 */
public final class LlamaWeights {
    private LlamaWeights() {}

    /** Foreign tensors to this module's canonical Llama weights, checked against {@code config}. */
    public static LinkedHashMap<String, Safetensors.Tensor> fromForeign(Map<String, Safetensors.Tensor> foreign, ModelConfig config) {
        if (!(config.arch() instanceof LlamaConfig llama)) throw new IllegalArgumentException("model config is " + config.architecture() + ", not llama");
        boolean tied = llama.tiedHead();
        LinkedHashMap<String, Safetensors.Tensor> named = new LinkedHashMap<>();
        for (Map.Entry<String, Safetensors.Tensor> e : foreign.entrySet()) {
            String name = e.getKey();
            if (name.endsWith("rotary_emb.inv_freq")) continue; // a buffer, not a parameter
            if (name.contains("attn.c_attn") || name.startsWith("transformer.") || name.equals("wte.weight")) {
                throw new IllegalArgumentException("GPT-2 weights (" + name + "): use importGpt2");
            }
            named.put(name, e.getValue());
        }
        Safetensors.Tensor lmHead = named.get("lm_head.weight");
        if (tied && lmHead != null) {
            Safetensors.Tensor embed = named.get("model.embed_tokens.weight");
            if (embed == null || !Arrays.equals(lmHead.data(), embed.data())) {
                throw new IllegalArgumentException("lm_head.weight differs from model.embed_tokens.weight but the config ties them (tie_word_embeddings)");
            }
            named.remove("lm_head.weight");
        }
        LinkedHashMap<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        for (String name : LlamaModel.parameterShapes(config, llama).keySet()) {
            Safetensors.Tensor t = named.get(name);
            if (t == null) {
                throw new IllegalArgumentException("missing " + name + (name.equals("lm_head.weight") ? " (the config says the head is not tied)" : ""));
            }
            out.put(name, t);
        }
        for (String name : named.keySet()) if (!out.containsKey(name)) throw new IllegalArgumentException("unexpected tensor " + name);
        CausalLm.checkWeights(config, out);
        return out;
    }
}
