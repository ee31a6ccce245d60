package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * The GPT: token + position embeddings, {@code layers} pre-norm {@link TransformerBlock}s, a final
 * LayerNorm and an output head tied to the token embedding. Parameter names and layouts follow
 * nanoGPT ({@code transformer.h.0.attn.c_attn.weight}, Linear weights as (out, in)).
 *
 * <p>The Llama variant ({@link LlamaConfig}) has the same skeleton with no position
 * table (rotary embeddings inside attention), RMSNorm, SwiGLU, no biases and a tied or separate
 * head; its parameters carry Hugging Face LlamaForCausalLM's names ({@code model.layers.0.self_attn.q_proj.weight}).
 *
 * <p>Why not DJL's Block API: a Block's forward goes through a ParameterStore and NDList plumbing
 * per call, and DJL's attention blocks have no causal KV cache. On 2 CPU cores per-op overhead is
 * a visible share of a step, so the model is a plain parameter set and its forward is the ~20
 * fused libtorch ops per block that nanoGPT's is; autograd runs in libtorch either way.
 */
final class GptModel implements AutoCloseable {
    /** Additive mask value: finite, so a row with every key masked (a padding query) stays finite. */
    static final float MASKED = -1e9f;

    final ModelConfig config;
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> params = new LinkedHashMap<>();
    final NDArray wte;
    final NDArray wpe;          // null for Llama (rotary positions instead)
    final TransformerBlock[] blocks;
    final NDArray lnfWeight;
    final NDArray lnfBias;      // null for Llama (RMSNorm)
    final NDArray head;         // output head: wte when tied
    private final NDArray ropeCos; // Llama: [context, D]; null for GPT-2
    private final NDArray ropeSin;
    private final NDArray causal; // [context, context]: 0 on and below the diagonal, MASKED above
    private final NDArray scale;  // 1/sqrt(head dim)

    GptModel(ModelConfig config, NDManager manager, Map<String, Safetensors.Tensor> weights) {
        this.config = config;
        this.manager = manager;
        checkWeights(config, weights);
        for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
            Safetensors.Tensor t = weights.get(e.getKey());
            NDArray a = Ops.owned(manager, t.data(), new Shape(e.getValue()));
            a.setName(e.getKey());
            params.put(e.getKey(), a);
        }
        blocks = new TransformerBlock[config.layers()];
        if (config.arch() instanceof LlamaConfig l) {
            wte = params.get("model.embed_tokens.weight");
            wpe = null;
            for (int i = 0; i < config.layers(); i++) {
                String p = "model.layers." + i + ".";
                CausalSelfAttention attn = CausalSelfAttention.llama(params.get(p + "self_attn.q_proj.weight"), params.get(p + "self_attn.k_proj.weight"),
                        params.get(p + "self_attn.v_proj.weight"), params.get(p + "self_attn.o_proj.weight"), config.heads(), l.kvHeads());
                Mlp mlp = Mlp.swiglu(params.get(p + "mlp.gate_proj.weight"), params.get(p + "mlp.up_proj.weight"), params.get(p + "mlp.down_proj.weight"));
                blocks[i] = new TransformerBlock(params.get(p + "input_layernorm.weight"), null, attn,
                        params.get(p + "post_attention_layernorm.weight"), null, mlp, l.rmsEps());
            }
            lnfWeight = params.get("model.norm.weight");
            lnfBias = null;
            head = l.tiedHead() ? wte : params.get("lm_head.weight");
            NDArray[] cs = ropeTables(config, manager);
            ropeCos = cs[0];
            ropeSin = cs[1];
        } else {
            wte = params.get("transformer.wte.weight");
            wpe = params.get("transformer.wpe.weight");
            for (int i = 0; i < config.layers(); i++) {
                String p = "transformer.h." + i + ".";
                CausalSelfAttention attn = CausalSelfAttention.gpt2(params.get(p + "attn.c_attn.weight"), params.get(p + "attn.c_attn.bias"),
                        params.get(p + "attn.c_proj.weight"), params.get(p + "attn.c_proj.bias"), config.heads());
                Mlp mlp = Mlp.gelu(params.get(p + "mlp.c_fc.weight"), params.get(p + "mlp.c_fc.bias"),
                        params.get(p + "mlp.c_proj.weight"), params.get(p + "mlp.c_proj.bias"));
                blocks[i] = new TransformerBlock(params.get(p + "ln_1.weight"), params.get(p + "ln_1.bias"), attn,
                        params.get(p + "ln_2.weight"), params.get(p + "ln_2.bias"), mlp, 0);
            }
            lnfWeight = params.get("transformer.ln_f.weight");
            lnfBias = params.get("transformer.ln_f.bias");
            head = wte;
            ropeCos = null;
            ropeSin = null;
        }
        int n = config.context();
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) Arrays.fill(m, i * n + i + 1, (i + 1) * n, MASKED);
        causal = Ops.owned(manager, m, new Shape(n, n));
        scale = Ops.owned(manager, new float[] {(float) (1.0 / Math.sqrt(config.headDim()))}, new Shape());
    }

    /**
     * cos and sin of every position's rotary angles, [context, D]: angle(p, j) = p * theta^(-2j/D)
     * for j < D/2, repeated for the second half (Hugging Face's layout). Computed in double.
     */
    private static NDArray[] ropeTables(ModelConfig config, NDManager manager) {
        int d = config.headDim();
        int n = config.context();
        float[] cos = new float[n * d];
        float[] sin = new float[n * d];
        for (int p = 0; p < n; p++) {
            for (int j = 0; j < d / 2; j++) {
                double angle = p * Math.pow(((LlamaConfig) config.arch()).ropeTheta(), -2.0 * j / d);
                cos[p * d + j] = cos[p * d + j + d / 2] = (float) Math.cos(angle);
                sin[p * d + j] = sin[p * d + j + d / 2] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {Ops.owned(manager, cos, new Shape(n, d)), Ops.owned(manager, sin, new Shape(n, d))};
    }

    /** Canonical parameter names and shapes, in the order they are initialised and saved. */
    static LinkedHashMap<String, long[]> parameterShapes(ModelConfig config) {
        long c = config.width();
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        if (config.arch() instanceof LlamaConfig l) { // Hugging Face LlamaForCausalLM's names, so import and export are the identity
            long q = (long) config.heads() * config.headDim();
            long kv = (long) l.kvHeads() * config.headDim();
            long inter = l.intermediateSize();
            s.put("model.embed_tokens.weight", new long[] {config.vocabSize(), c});
            for (int i = 0; i < config.layers(); i++) {
                String p = "model.layers." + i + ".";
                s.put(p + "input_layernorm.weight", new long[] {c});
                s.put(p + "self_attn.q_proj.weight", new long[] {q, c});
                s.put(p + "self_attn.k_proj.weight", new long[] {kv, c});
                s.put(p + "self_attn.v_proj.weight", new long[] {kv, c});
                s.put(p + "self_attn.o_proj.weight", new long[] {c, q});
                s.put(p + "post_attention_layernorm.weight", new long[] {c});
                s.put(p + "mlp.gate_proj.weight", new long[] {inter, c});
                s.put(p + "mlp.up_proj.weight", new long[] {inter, c});
                s.put(p + "mlp.down_proj.weight", new long[] {c, inter});
            }
            s.put("model.norm.weight", new long[] {c});
            if (!l.tiedHead()) s.put("lm_head.weight", new long[] {config.vocabSize(), c});
            return s;
        }
        s.put("transformer.wte.weight", new long[] {config.vocabSize(), c});
        s.put("transformer.wpe.weight", new long[] {config.context(), c});
        for (int i = 0; i < config.layers(); i++) {
            String p = "transformer.h." + i + ".";
            s.put(p + "ln_1.weight", new long[] {c});
            s.put(p + "ln_1.bias", new long[] {c});
            s.put(p + "attn.c_attn.weight", new long[] {3 * c, c});
            s.put(p + "attn.c_attn.bias", new long[] {3 * c});
            s.put(p + "attn.c_proj.weight", new long[] {c, c});
            s.put(p + "attn.c_proj.bias", new long[] {c});
            s.put(p + "ln_2.weight", new long[] {c});
            s.put(p + "ln_2.bias", new long[] {c});
            s.put(p + "mlp.c_fc.weight", new long[] {4 * c, c});
            s.put(p + "mlp.c_fc.bias", new long[] {4 * c});
            s.put(p + "mlp.c_proj.weight", new long[] {c, 4 * c});
            s.put(p + "mlp.c_proj.bias", new long[] {c});
        }
        s.put("transformer.ln_f.weight", new long[] {c});
        s.put("transformer.ln_f.bias", new long[] {c});
        return s;
    }

    /**
     * nanoGPT's initialisation, drawn in Java from {@code java.util.Random(seed)} (whose Gaussian is
     * specified), so a seed gives the same weights on every JVM, engine version and device:
     * N(0, 0.02) for embeddings and Linear weights, N(0, 0.02/sqrt(2 * layers)) for the residual
     * projections (c_proj, o_proj, down_proj), zero biases, unit norm gains.
     */
    static LinkedHashMap<String, Safetensors.Tensor> initialWeights(ModelConfig config, long seed) {
        Random rng = new Random(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * config.layers());
        LinkedHashMap<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : parameterShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            if (name.endsWith(".bias")) {
                // zeros
            } else if (name.contains(".ln_") || name.contains("norm.")) {
                Arrays.fill(data, 1f);
            } else {
                boolean residual = name.endsWith("c_proj.weight") || name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                double std = residual ? projStd : 0.02;
                for (int i = 0; i < data.length; i++) data[i] = (float) (rng.nextGaussian() * std);
            }
            w.put(name, new Safetensors.Tensor(shape, data));
        }
        return w;
    }

    static void checkWeights(ModelConfig config, Map<String, Safetensors.Tensor> weights) {
        LinkedHashMap<String, long[]> expected = parameterShapes(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Safetensors.Tensor t = weights.get(e.getKey());
            if (t == null) problems.add("missing " + e.getKey());
            else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add(e.getKey() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        TreeSet<String> extra = new TreeSet<>(weights.keySet());
        extra.removeAll(expected.keySet());
        extra.forEach(n -> problems.add("unexpected tensor " + n));
        if (!problems.isEmpty()) {
            throw new CheckpointException("weights do not fit " + config.architecture() + " " + config.layers() + " layers x width " + config.width() + " x vocab "
                    + config.vocabSize() + " x context " + config.context() + ": "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size()))) + (problems.size() > 8 ? "; ..." : ""));
        }
    }

    /** The parameters by canonical name (live arrays; the trainer updates them in place). */
    LinkedHashMap<String, NDArray> parameters() {
        return params;
    }

    /**
     * Runs the blocks and the final norm.
     *
     * @param ids       [B, T] int64 token ids
     * @param positions int64 positions, [T] or [B, T]
     * @param mask      additive mask broadcastable to [B, H, T, start + T]
     * @param cache     null, or the KV cache to read and extend at {@code start}
     * @return [B, T, C] final hidden states
     */
    NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, int start, NDManager step) {
        NDArray x = Ops.embedding(ids, wte);
        NDArray[] rope = null;
        if (wpe != null) {
            x = x.add(Ops.embedding(positions, wpe));
        } else {
            NDArray cos = Ops.embedding(positions, ropeCos); // [T, D] or [B, T, D]
            NDArray sin = Ops.embedding(positions, ropeSin);
            if (cos.getShape().dimension() == 3) { // per-row positions: broadcast over heads
                long b = cos.getShape().get(0);
                long t = cos.getShape().get(1);
                cos = cos.reshape(b, 1, t, config.headDim());
                sin = sin.reshape(b, 1, t, config.headDim());
            }
            rope = new NDArray[] {cos, sin};
        }
        for (int i = 0; i < blocks.length; i++) x = blocks[i].forward(x, mask, scale, rope, cache, i, start, step);
        return lnfBias == null ? Ops.rmsNorm(x, lnfWeight, ((LlamaConfig) config.arch()).rmsEps()) : Ops.layerNorm(x, lnfWeight, lnfBias);
    }

    /** Output head: logits = h W^T, W the token embedding when tied, else lm_head. */
    NDArray logits(NDArray hidden) {
        return Ops.linear(hidden, head, null);
    }

    /** [T, start + T] view of the causal mask for queries at positions [start, start + T). */
    NDArray causalMask(int start, int t, NDManager step) {
        NDArray rows = Ops.slice(causal, 0, start, start + t, step);
        return Ops.slice(rows, 1, 0, start + t, step);
    }

    /** Copies every parameter to Java memory, in canonical order. */
    LinkedHashMap<String, Safetensors.Tensor> snapshot() {
        LinkedHashMap<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        params.forEach((name, a) -> out.put(name, new Safetensors.Tensor(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    /**
     * Switches every parameter to new values in place: the Java arrays stay the same objects (so a
     * trainer holding them keeps working) and keep their requires-grad flag; the old native
     * tensors are freed.
     */
    void replaceWeights(Map<String, Safetensors.Tensor> weights) {
        checkWeights(config, weights);
        try (Ops.AutoCloseableGrad g = Ops.grad(false)) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray current = e.getValue();
                boolean grad = current.hasGradient();
                NDArray fresh = Ops.owned(manager, weights.get(e.getKey()).data(), current.getShape());
                current.intern(fresh);
                if (grad) current.setRequiresGradient(true);
            }
        }
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
