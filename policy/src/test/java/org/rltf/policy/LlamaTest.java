package org.rltf.policy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Llama ({@link LlamaModel}): weights written under Hugging Face LlamaForCausalLM's names are imported and
 * checked against a slow, per-position reference of the Llama forward pass in plain Java double
 * maths (RMSNorm, rotary embeddings in the rotate_half convention, grouped-query attention,
 * SwiGLU), then sampled with the KV cache, saved and reloaded, and trained.
 */
class LlamaTest {
    static { TestModels.micro(); }

    /** 2 layers, width 32, 4 query heads sharing 2 key/value heads (head dim 8), SwiGLU width 48. */
    static String hfConfig(boolean tied) {
        return "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":32,\"intermediate_size\":48,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":64,"
                + "\"vocab_size\":257,\"rms_norm_eps\":1e-5,\"rope_theta\":500.0,\"hidden_act\":\"silu\",\"rope_scaling\":null,"
                + "\"tie_word_embeddings\":" + tied + "}";
    }

    static ModelConfig config(boolean tied) {
        return ModelConfig.fromHuggingFaceLlama(hfConfig(tied), ByteTokenizer.KIND);
    }

    static LlamaConfig llama(ModelConfig c) {
        return (LlamaConfig) c.arch();
    }

    /** Random weights in HF names; norm gains away from 1 so a wrong norm shows up. */
    static LinkedHashMap<String, Safetensors.Tensor> randomHfWeights(ModelConfig c, long seed) {
        Random rng = new Random(seed);
        LinkedHashMap<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : CausalLm.parameterShapes(c).entrySet()) {
            long[] shape = e.getValue();
            float[] data = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            boolean norm = e.getKey().contains("norm");
            for (int i = 0; i < data.length; i++) data[i] = (float) (norm ? 1 + 0.2 * rng.nextGaussian() : 0.15 * rng.nextGaussian());
            w.put(e.getKey(), new Safetensors.Tensor(shape, data));
        }
        // a buffer some exporters save; the importer must skip it
        w.put("model.layers.0.self_attn.rotary_emb.inv_freq", new Safetensors.Tensor(new long[] {4}, new float[] {1, 0.1f, 0.01f, 0.001f}));
        return w;
    }

    static Policy imported(Path tmp, boolean tied, long seed) throws Exception {
        ModelConfig c = config(tied);
        Path file = tmp.resolve("llama-" + tied + "-" + seed + ".safetensors");
        Safetensors.write(file, randomHfWeights(c, seed), Map.of("format", "pt"));
        return Policy.importLlama(file, c, Tokenizer.bytes(), Device.cpu());
    }

    @Test
    void configParsesAndRoundTrips() {
        ModelConfig c = config(false);
        assertThat(c.architecture()).isEqualTo("llama");
        assertThat(llama(c).kvHeads()).isEqualTo(2);
        assertThat(c.arch()).isEqualTo(new LlamaConfig(2, 48, 1e-5, 500.0, false));
        assertThat(ModelConfig.fromJson(c.toJson())).isEqualTo(c);
        assertThat(ModelConfig.fromJson(config(true).toJson())).isEqualTo(config(true));
        // defaults: no GQA, eps 1e-6, theta 10000, untied
        ModelConfig d = ModelConfig.fromHuggingFaceLlama("{\"hidden_size\":32,\"intermediate_size\":64,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":4,\"max_position_embeddings\":16,\"vocab_size\":300}", "huggingface");
        assertThat(d.arch()).isEqualTo(new LlamaConfig(4, 64, 1e-6, 10000.0, false));
        // a config.json written before the architecture field existed is GPT-2
        ModelConfig old = ModelConfig.fromJson("{\"layers\":2,\"width\":32,\"heads\":2,\"context\":64,\"vocabSize\":257,\"tokenizerKind\":\"bytes\"}");
        assertThat(old).isEqualTo(TestModels.micro());
        assertThat(old.architecture()).isEqualTo("gpt2");
        assertThat(TestModels.micro().toJson()).contains("\"architecture\" : \"gpt2\"").doesNotContain("kvHeads");
        assertThatThrownBy(() -> ModelConfig.fromHuggingFaceLlama(hfConfig(false).replace("\"num_key_value_heads\":2", "\"num_key_value_heads\":3"), "bytes"))
                .hasMessageContaining("kvHeads");
        assertThatThrownBy(() -> ModelConfig.fromHuggingFaceLlama(hfConfig(false).replace("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"linear\"}"), "bytes"))
                .hasMessageContaining("rope_scaling");
        assertThatThrownBy(() -> ModelConfig.fromJson(c.toJson().replace("\"ropeTheta\"", "\"x\""))).hasMessageContaining("ropeTheta");
        assertThat(c.parameterCount()).isEqualTo(CausalLm.parameterShapes(c).values().stream()
                .mapToLong(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum());
        // by hand: embedding and lm_head 2 x 257 x 32 = 16448; per layer two norms 64, q and o 2 x 32 x 32 = 2048,
        // k and v 2 x 16 x 32 = 1024, gate, up and down 3 x 48 x 32 = 4608, so 7744, x 2 layers = 15488; final norm 32
        assertThat(c.parameterCount()).isEqualTo(16448 + 15488 + 32);
        assertThat(config(true).parameterCount()).isEqualTo(c.parameterCount() - 257 * 32);
    }

    @Test
    void logitsMatchAPerPositionReference(@TempDir Path tmp) throws Exception {
        int[] ids = {72, 101, 108, 108, 111, 44, 32, 256, 0, 119, 111, 114, 108, 100, 33};
        for (boolean tied : new boolean[] {false, true}) {
            ModelConfig c = config(tied);
            Map<String, Safetensors.Tensor> w = randomHfWeights(c, tied ? 11 : 12);
            float[][] expected = reference(c, w, ids);
            try (Policy p = imported(tmp, tied, tied ? 11 : 12)) {
                float[][] got = TestModels.logits(p, ids);
                assertThat(got).hasNumberOfRows(ids.length);
                for (int t = 0; t < ids.length; t++) {
                    for (int v = 0; v < c.vocabSize(); v++) {
                        assertThat(got[t][v]).as("tied=%s position %d token %d", tied, t, v).isCloseTo(expected[t][v], within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void importRefusesWhatDoesNotFit(@TempDir Path tmp) throws Exception {
        ModelConfig untied = config(false);
        LinkedHashMap<String, Safetensors.Tensor> w = randomHfWeights(untied, 1);
        w.remove("lm_head.weight");
        Path file = tmp.resolve("no-head.safetensors");
        Safetensors.write(file, w, Map.of());
        assertThatThrownBy(() -> Policy.importLlama(file, untied, Tokenizer.bytes(), Device.cpu()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("missing lm_head.weight");
        // tied config with an lm_head equal to the embedding (as HF saves tied models sometimes) is accepted
        w.put("lm_head.weight", w.get("model.embed_tokens.weight"));
        Path tiedFile = tmp.resolve("tied.safetensors");
        Safetensors.write(tiedFile, w, Map.of());
        try (Policy p = Policy.importLlama(tiedFile, config(true), Tokenizer.bytes(), Device.cpu())) {
            assertThat(llama(p.config()).tiedHead()).isTrue();
        }
        assertThatThrownBy(() -> Policy.importGpt2(tiedFile, TestModels.micro(), Tokenizer.bytes(), Device.cpu()))
                .hasMessageContaining("importLlama");
        Path gpt2 = tmp.resolve("gpt2.safetensors");
        try (Policy g = TestModels.microPolicy(1)) {
            g.exportGpt2(gpt2);
        }
        assertThatThrownBy(() -> Policy.importLlama(gpt2, untied, Tokenizer.bytes(), Device.cpu())).hasMessageContaining("importGpt2");
    }

    @Test
    void kvCacheSamplingEqualsFullRecomputation(@TempDir Path tmp) throws Exception {
        try (Policy p = imported(tmp, false, 5)) {
            Tokenizer tok = p.tokenizer();
            int[] long1 = new int[70]; // longer than context - maxNewTokens: left-truncated
            for (int i = 0; i < long1.length; i++) long1[i] = 'a' + i % 26;
            List<int[]> prompts = List.of(tok.encode("def f(x):"), tok.encode("a"), new int[0], tok.encode("print('hi')"), long1);
            for (SamplingParams params : List.of(new SamplingParams(1f, 0.9f, 20, List.of(), 11), TestModels.greedy(20))) {
                List<Completion> got = p.sample(prompts, params);
                for (int i = 0; i < prompts.size(); i++) {
                    int[] ref = referenceSample(p, prompts.get(i), params, params.seed() + i);
                    Completion c = got.get(i);
                    assertThat(c.tokenIds()).as("row %d, %s", i, params).containsExactly(ref);
                    float[] lps = referenceLogProbs(p, prompts.get(i), params, ref);
                    for (int k = 0; k < lps.length; k++) assertThat(c.logProbs()[k]).isCloseTo(lps[k], within(1e-4f));
                }
            }
            // the trainer's batched (right-padded) log-probs agree with the sampler's (left-padded, cached) ones
            List<Completion> got = p.sample(prompts, new SamplingParams(1f, 1f, 12, List.of(), 3));
            List<TokenSequence> seqs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) seqs.add(TokenSequence.of(prompts.get(i), got.get(i).tokenIds()));
            try (PolicyTrainer trainer = new PolicyTrainer(p, TrainerConfig.defaults())) {
                float[][] lp = trainer.logProbs(seqs);
                for (int i = 0; i < prompts.size(); i++) {
                    for (int k = 0; k < lp[i].length; k++) assertThat(lp[i][k]).isCloseTo(got.get(i).logProbs()[k], within(1e-4f));
                }
            }
        }
    }

    @Test
    void checkpointRoundTripGivesIdenticalLogits(@TempDir Path tmp) throws Exception {
        int[] ids = {1, 2, 3, 200, 100, 50};
        for (boolean tied : new boolean[] {false, true}) {
            Path dir = tmp.resolve("ckpt-" + tied);
            float[][] before;
            try (Policy p = imported(tmp, tied, 21)) {
                before = TestModels.logits(p, ids);
                p.save(dir);
            }
            assertThat(Files.readString(dir.resolve(Checkpoints.CONFIG))).contains("\"architecture\" : \"llama\"");
            Map<String, Safetensors.Tensor> saved = Safetensors.read(dir.resolve(Checkpoints.WEIGHTS)).tensors();
            assertThat(saved).containsKeys("model.embed_tokens.weight", "model.layers.1.self_attn.k_proj.weight", "model.norm.weight");
            assertThat(saved.containsKey("lm_head.weight")).isEqualTo(!tied);
            assertThat(saved.get("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(16, 32);
            try (Policy q = Policy.load(dir)) {
                assertThat(q.config()).isEqualTo(config(tied));
                float[][] after = TestModels.logits(q, ids);
                for (int t = 0; t < ids.length; t++) assertThat(after[t]).containsExactly(before[t]);
                // a GPT-2 policy refuses a llama checkpoint's weights
                try (Policy g = TestModels.microPolicy(1)) {
                    assertThatThrownBy(() -> g.loadWeights(dir, null)).isInstanceOf(CheckpointException.class).hasMessageContaining("different model");
                }
            }
        }
    }

    @Test
    void trainingReducesTheLoss(@TempDir Path tmp) throws Exception {
        List<SftExample> examples = List.of(
                new SftExample("a", "# add\n", "def add(a, b):\n    return a + b\n"),
                new SftExample("b", "# one\n", "def one():\n    return 1\n"));
        ModelConfig c = config(false);
        try (Policy p = Policy.create(c, Tokenizer.bytes(), 3, Device.cpu())) {
            TrainerConfig tc = new TrainerConfig(1e-2, 0.0, 0.9, 0.95, 1e-8, 5, 1.0, 1);
            Sft.Result r = Sft.run(examples, p, new Sft.Options(40, 2, 2, tc, 1, 0));
            assertThat(r.losses().get(0)).isGreaterThan(4.0);
            assertThat(r.finalLoss()).isLessThan(r.losses().get(0) / 4);
            // the trained llama checkpoint resumes with the same logits
            p.save(tmp.resolve("trained"));
            try (Policy q = Policy.load(tmp.resolve("trained"))) {
                assertThat(TestModels.logits(q, new int[] {5, 6, 7})[2]).containsExactly(TestModels.logits(p, new int[] {5, 6, 7})[2]);
            }
        }
    }

    // ---- reference implementations (slow and plain on purpose) ----

    /** Hugging Face LlamaForCausalLM's forward for one sequence, position by position, in double. */
    static float[][] reference(ModelConfig c, Map<String, Safetensors.Tensor> w, int[] ids) {
        int cw = c.width();
        int h = c.heads();
        int kvh = llama(c).kvHeads();
        int d = c.headDim();
        int inter = llama(c).intermediateSize();
        double eps = llama(c).rmsEps();
        int n = ids.length;
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) x[t] = row(w.get("model.embed_tokens.weight"), ids[t], cw);
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] keys = new double[n][];
            double[][] values = new double[n][];
            double[][] queries = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] hn = rms(x[t], w.get(p + "input_layernorm.weight").data(), eps);
                queries[t] = rope(matvec(w.get(p + "self_attn.q_proj.weight"), hn), h, d, t, llama(c).ropeTheta());
                keys[t] = rope(matvec(w.get(p + "self_attn.k_proj.weight"), hn), kvh, d, t, llama(c).ropeTheta());
                values[t] = matvec(w.get(p + "self_attn.v_proj.weight"), hn);
            }
            for (int t = 0; t < n; t++) {
                double[] y = new double[h * d];
                for (int head = 0; head < h; head++) {
                    int kv = head / (h / kvh); // HF repeat_kv: consecutive query heads share a key/value head
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int j = 0; j < d; j++) dot += queries[t][head * d + j] * keys[s][kv * d + j];
                        scores[s] = dot / Math.sqrt(d);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) sum += scores[s] = Math.exp(scores[s] - max);
                    for (int s = 0; s <= t; s++) for (int j = 0; j < d; j++) y[head * d + j] += scores[s] / sum * values[s][kv * d + j];
                }
                double[] o = matvec(w.get(p + "self_attn.o_proj.weight"), y);
                for (int i = 0; i < cw; i++) x[t][i] += o[i];
                double[] hn = rms(x[t], w.get(p + "post_attention_layernorm.weight").data(), eps);
                double[] gate = matvec(w.get(p + "mlp.gate_proj.weight"), hn);
                double[] up = matvec(w.get(p + "mlp.up_proj.weight"), hn);
                double[] act = new double[inter];
                for (int i = 0; i < inter; i++) act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                double[] down = matvec(w.get(p + "mlp.down_proj.weight"), act);
                for (int i = 0; i < cw; i++) x[t][i] += down[i];
            }
        }
        Safetensors.Tensor head = llama(c).tiedHead() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) {
            double[] logits = matvec(head, rms(x[t], w.get("model.norm.weight").data(), eps));
            out[t] = new float[logits.length];
            for (int v = 0; v < logits.length; v++) out[t][v] = (float) logits[v];
        }
        return out;
    }

    private static double[] row(Safetensors.Tensor t, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) out[i] = t.data()[r * width + i];
        return out;
    }

    private static double[] matvec(Safetensors.Tensor m, double[] v) {
        int rows = (int) m.shape()[0];
        int cols = (int) m.shape()[1];
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int k = 0; k < cols; k++) s += m.data()[r * cols + k] * v[k];
            out[r] = s;
        }
        return out;
    }

    private static double[] rms(double[] x, float[] gain, double eps) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * inv * gain[i];
        return out;
    }

    /** rotate_half convention: element j of a head pairs with element j + d/2, at frequency theta^(-2j/d). */
    private static double[] rope(double[] v, int heads, int d, int pos, double theta) {
        double[] out = new double[v.length];
        for (int hd = 0; hd < heads; hd++) {
            for (int j = 0; j < d / 2; j++) {
                double a = pos * Math.pow(theta, -2.0 * j / d);
                double x1 = v[hd * d + j];
                double x2 = v[hd * d + j + d / 2];
                out[hd * d + j] = x1 * Math.cos(a) - x2 * Math.sin(a);
                out[hd * d + j + d / 2] = x2 * Math.cos(a) + x1 * Math.sin(a);
            }
        }
        return out;
    }

    static int[] promptIds(Policy p, int[] prompt, SamplingParams params) {
        int ctx = p.config().context();
        int[] ids = prompt.length == 0 ? new int[] {p.tokenizer().eosId()} : prompt;
        if (ids.length > ctx - params.maxNewTokens()) ids = Arrays.copyOfRange(ids, ids.length - (ctx - params.maxNewTokens()), ids.length);
        return ids;
    }

    /** One row, no cache: the whole sequence is recomputed for every token. */
    static int[] referenceSample(Policy p, int[] prompt, SamplingParams params, long seed) {
        int[] ids = promptIds(p, prompt, params);
        int v = p.config().vocabSize();
        boolean[] allowed = new boolean[v];
        Arrays.fill(allowed, 0, Math.min(v, p.tokenizer().vocabSize()), true); // the sampler never picks an id the tokenizer cannot decode
        SplittableRandom rng = new SplittableRandom(seed);
        int[] tokens = new int[params.maxNewTokens()];
        for (int t = 0; t < params.maxNewTokens(); t++) {
            float[] logp = logSoftmax(TestModels.logits(p, ids)[ids.length - 1]);
            int tok = Sampler.choose(logp, 0, allowed, params, rng);
            tokens[t] = tok;
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = tok;
            if (tok == p.tokenizer().eosId()) return Arrays.copyOf(tokens, t + 1);
        }
        return tokens;
    }

    static float[] referenceLogProbs(Policy p, int[] prompt, SamplingParams params, int[] tokens) {
        int[] ids = promptIds(p, prompt, params);
        int[] all = Arrays.copyOf(ids, ids.length + tokens.length);
        System.arraycopy(tokens, 0, all, ids.length, tokens.length);
        float[][] logits = TestModels.logits(p, Arrays.copyOf(all, all.length - 1));
        float[] out = new float[tokens.length];
        for (int k = 0; k < tokens.length; k++) out[k] = logSoftmax(logits[ids.length - 1 + k])[tokens[k]];
        return out;
    }

    static float[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] - max - Math.log(sum));
        return out;
    }
}
