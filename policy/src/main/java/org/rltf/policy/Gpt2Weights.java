package org.rltf.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * GPT-2 weights saved by other tools. Accepted names: Hugging Face's ({@code wte.weight},
 * {@code h.0.attn.c_attn.weight}, {@code ln_f.bias}, optionally prefixed {@code transformer.}, as
 * GPT2LMHeadModel.save_pretrained writes them) and nanoGPT's (the same with the prefix). Hugging
 * Face stores c_attn, c_proj and c_fc as Conv1D, i.e. (in, out), the transpose of nanoGPT's Linear
 * (out, in); which one a file uses is read off c_attn's shape ([C, 3C] = Conv1D), and the whole file
 * is taken to use that layout. The causal mask buffers ({@code attn.bias}, {@code attn.masked_bias})
 * are skipped; an {@code lm_head.weight} must equal the token embedding (GPT-2 ties them). Llama
 * names are read by {@link LlamaWeights}.
 */
public final class Gpt2Weights {
    private static final String[] CONV1D = {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"};

    private Gpt2Weights() {}

    /** Foreign tensors to this module's canonical names and layout, checked against {@code config}. */
    public static LinkedHashMap<String, Safetensors.Tensor> fromForeign(Map<String, Safetensors.Tensor> foreign, ModelConfig config) {
        TensorSource src = TensorSource.of(foreign);
        WeightPlan plan = plan(src.shapes(), config);
        plan.checkTied(src, "lm_head.weight differs from wte.weight; untied output heads are not supported");
        LinkedHashMap<String, Safetensors.Tensor> out = plan.materialize(src);
        CausalLm.checkWeights(config, out);
        return out;
    }

    /** Where each canonical GPT-2 tensor comes from among {@code foreign}'s names and shapes. */
    static WeightPlan plan(Map<String, long[]> foreign, ModelConfig config) {
        Map<String, String> named = new LinkedHashMap<>(); // canonical -> foreign
        String lmHead = null;
        for (String name : foreign.keySet()) {
            if (name.startsWith("model.layers.") || name.startsWith("model.embed_tokens") || name.startsWith("layers.")) {
                throw new IllegalArgumentException("Llama-style weights (" + name + "): use Policy.importLlama with a llama model config");
            }
            if (name.equals("lm_head.weight")) {
                lmHead = name;
                continue;
            }
            String canonical = name.startsWith("transformer.") ? name : "transformer." + name;
            if (canonical.endsWith(".attn.bias") || canonical.endsWith(".attn.masked_bias")) continue; // mask buffers, not parameters
            named.put(canonical, name);
        }
        String cAttnName = named.get("transformer.h.0.attn.c_attn.weight");
        if (cAttnName == null) throw new IllegalArgumentException("no h.0.attn.c_attn.weight: not GPT-2 weights");
        long[] cAttn = foreign.get(cAttnName);
        boolean conv1d = cAttn.length == 2 && cAttn[0] == config.width() && cAttn[1] == 3L * config.width();
        LinkedHashMap<String, WeightPlan.Ref> out = new LinkedHashMap<>();
        for (String name : GptModel.parameterShapes(config).keySet()) {
            String f = named.get(name);
            if (f == null) throw new IllegalArgumentException("missing " + name.substring("transformer.".length()));
            out.put(name, new WeightPlan.Ref(f, conv1d && isConv1d(name)));
        }
        Set<String> used = out.keySet();
        for (String name : named.keySet()) if (!used.contains(name)) throw new IllegalArgumentException("unexpected tensor " + named.get(name));
        return new WeightPlan(out, lmHead, lmHead == null ? null : named.get("transformer.wte.weight"));
    }

    /** Canonical weights to Hugging Face GPT-2 names (no prefix) and Conv1D layout. */
    static LinkedHashMap<String, Safetensors.Tensor> toHuggingFace(Map<String, Safetensors.Tensor> canonical) {
        LinkedHashMap<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        canonical.forEach((name, t) -> out.put(name.substring("transformer.".length()), isConv1d(name) ? transpose(t) : t));
        return out;
    }

    static boolean isConv1d(String name) {
        for (String s : CONV1D) if (name.endsWith(s)) return true;
        return false;
    }

    static Safetensors.Tensor transpose(Safetensors.Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("cannot transpose a rank-" + t.rank() + " tensor");
        int r = (int) t.shape()[0];
        int c = (int) t.shape()[1];
        float[] src = t.data();
        float[] dst = new float[src.length];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
        return new Safetensors.Tensor(new long[] {c, r}, dst);
    }
}
