package org.rltf.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Llama and Qwen2 weights saved by other tools under Hugging Face LlamaForCausalLM's (Qwen2ForCausalLM's)
 * names ({@code model.embed_tokens.weight}, {@code model.layers.0.self_attn.q_proj.weight}, ...,
 * {@code model.norm.weight}, {@code lm_head.weight}), which are also {@link LlamaModel}'s own
 * names, so no renaming or transposing is needed (torch Linear is (out, in) here too). Rotary
 * {@code inv_freq} buffers some exporters save are skipped (the model recomputes them from
 * rope_theta). With a tied head, an {@code lm_head.weight} in the file must equal the embedding;
 * with an untied head it is required.
 */
public final class LlamaWeights {
    private LlamaWeights() {}

    /** Foreign tensors to this module's canonical Llama weights, checked against {@code config}. */
    public static LinkedHashMap<String, Safetensors.Tensor> fromForeign(Map<String, Safetensors.Tensor> foreign, ModelConfig config) {
        TensorSource src = TensorSource.of(foreign);
        WeightPlan plan = plan(src.shapes(), config);
        plan.checkTied(src, "lm_head.weight differs from model.embed_tokens.weight but the config ties them (tie_word_embeddings)");
        LinkedHashMap<String, Safetensors.Tensor> out = plan.materialize(src);
        CausalLm.checkWeights(config, out);
        return out;
    }

    /** Where each canonical tensor comes from among {@code foreign}'s names. */
    static WeightPlan plan(Map<String, long[]> foreign, ModelConfig config) {
        if (!(config.arch() instanceof LlamaConfig llama)) throw new IllegalArgumentException("model config is " + config.architecture() + ", not llama");
        LinkedHashMap<String, String> named = new LinkedHashMap<>();
        for (String name : foreign.keySet()) {
            if (name.endsWith("rotary_emb.inv_freq")) continue; // a buffer, not a parameter
            if (name.contains("attn.c_attn") || name.startsWith("transformer.") || name.equals("wte.weight")) {
                throw new IllegalArgumentException("GPT-2 weights (" + name + "): use importGpt2");
            }
            named.put(name, name);
        }
        String tiedHead = null;
        if (llama.tiedHead() && named.containsKey("lm_head.weight")) {
            if (!named.containsKey("model.embed_tokens.weight")) throw new IllegalArgumentException("missing model.embed_tokens.weight");
            tiedHead = named.remove("lm_head.weight");
        }
        LinkedHashMap<String, WeightPlan.Ref> out = new LinkedHashMap<>();
        for (String name : LlamaModel.parameterShapes(config, llama).keySet()) {
            String f = named.get(name);
            if (f == null) {
                throw new IllegalArgumentException("missing " + name + (name.equals("lm_head.weight") ? " (the config says the head is not tied)" : ""));
            }
            out.put(name, new WeightPlan.Ref(f, false));
        }
        for (String name : named.keySet()) if (!out.containsKey(name)) throw new IllegalArgumentException("unexpected tensor " + name);
        return new WeightPlan(out, tiedHead, tiedHead == null ? null : "model.embed_tokens.weight");
    }
}
