package org.rltf.policy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Throughput measurements behind {@code rltf bench policy}. The shapes match the PyTorch reference
 * script the command runs next to it (lab's bench/policy_bench.py): training on random token
 * sequences with the loss on the second half of each row; sampling at temperature 1, top-p 0.95
 * from equal-length random prompts with eos suppressed, so every row generates exactly
 * {@code newTokens} tokens and both sides do the same work. Presets: the GPT-2 sizes of
 * {@link ModelConfig#preset} (byte vocabulary), and {@value #QWEN_05B}, Qwen2.5-Coder-0.5B's shape
 * (random weights, its 151,936-id vocabulary, sampled over all of it).
 */
public final class PolicyBench {
    static { PolicyRuntime.configureOffline(); }

    /** Qwen2.5-Coder-0.5B's shape: 24 layers, width 896, 14 heads sharing 2 key/value heads, SwiGLU 4864, vocabulary 151,936, tied head. */
    public static final String QWEN_05B = "qwen2.5-0.5b";

    private PolicyBench() {}

    /**
     * A bench model: {@code tiny}, {@code small}, {@code base} or {@value #QWEN_05B}, with
     * {@code layers} blocks instead of the preset's when it is positive (same width and heads).
     */
    public static ModelConfig preset(String name, int layers) {
        ModelConfig c;
        if (name.toLowerCase(Locale.ROOT).equals(QWEN_05B)) {
            c = new ModelConfig(24, 896, 14, 32768, 151936, BenchTokenizer.KIND, new LlamaConfig(2, 4864, 1e-6, 1_000_000.0, true, 0, null, true));
        } else {
            c = ModelConfig.preset(name, Tokenizer.bytes());
        }
        return layers > 0 ? new ModelConfig(layers, c.width(), c.heads(), c.context(), c.vocabSize(), c.tokenizerKind(), c.arch()) : c;
    }

    /** The tokenizer a bench model samples with: bytes, or for a big vocabulary one that has every id (and decodes to nothing). */
    public static Tokenizer tokenizerFor(ModelConfig c) {
        return c.tokenizerKind().equals(BenchTokenizer.KIND) ? new BenchTokenizer(c.vocabSize()) : Tokenizer.bytes();
    }

    /** A tokenizer of {@code vocab} ids, the last one eos, for benchmarks at a real model's vocabulary size: it samples over every id. */
    private record BenchTokenizer(int vocabSize) implements Tokenizer {
        static final String KIND = "bench";

        @Override public int eosId() { return vocabSize - 1; }

        @Override public String kind() { return KIND; }

        @Override public int[] encode(String text) { throw new UnsupportedOperationException("a bench tokenizer has no text"); }

        @Override public Decoded decode(int[] ids) { return new Decoded("", new int[ids.length], new int[ids.length]); }

        @Override public void writeTo(Path dir) { throw new UnsupportedOperationException("bench models are not saved"); }
    }

    /** Benchmark shapes; the same values are handed to the Python reference. */
    public record Shapes(int trainBatch, int trainLen, int trainSteps, int warmupSteps, int promptLen, int newTokens, long seed) {
        public static Shapes defaults() {
            return new Shapes(8, 256, 10, 2, 64, 128, 1);
        }
    }

    /** Tokens (all positions of every row) per second over {@code trainSteps} optimizer steps of accumulate + step. */
    public static double trainTokensPerSecond(Policy policy, Shapes s) {
        Random rng = new Random(s.seed());
        int eos = policy.tokenizer().eosId();
        int prompt = s.trainLen() / 2;
        List<TokenSequence> batch = new ArrayList<>();
        int n = s.trainBatch() * (s.trainLen() - prompt);
        for (int b = 0; b < s.trainBatch(); b++) {
            int[] p = new int[prompt];
            int[] c = new int[s.trainLen() - prompt];
            for (int i = 0; i < p.length; i++) p[i] = rng.nextInt(eos);
            for (int i = 0; i < c.length; i++) c[i] = rng.nextInt(eos);
            float[] w = new float[c.length];
            Arrays.fill(w, 1f / n);
            batch.add(new TokenSequence(p, c, w));
        }
        try (PolicyTrainer trainer = new PolicyTrainer(policy, TrainerConfig.defaults())) {
            for (int i = 0; i < s.warmupSteps(); i++) {
                trainer.accumulate(batch);
                trainer.step();
            }
            long start = System.nanoTime();
            for (int i = 0; i < s.trainSteps(); i++) {
                trainer.accumulate(batch);
                trainer.step();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return (double) s.trainBatch() * s.trainLen() * s.trainSteps() / secs;
        }
    }

    /** Generated tokens per second for {@code batch} rows (one warm-up run, then one timed run). */
    public static double sampleTokensPerSecond(Policy policy, Shapes s, int batch) {
        Random rng = new Random(s.seed());
        int eos = policy.tokenizer().eosId();
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] p = new int[s.promptLen()];
            for (int i = 0; i < p.length; i++) p[i] = rng.nextInt(eos);
            prompts.add(p);
        }
        SamplingParams params = new SamplingParams(1f, 0.95f, s.newTokens(), List.of(), s.seed());
        policy.sample(prompts, params, Set.of(eos));
        long start = System.nanoTime();
        List<Completion> out = policy.sample(prompts, params, Set.of(eos));
        double secs = (System.nanoTime() - start) / 1e9;
        long tokens = out.stream().mapToLong(c -> c.tokenIds().length).sum();
        return tokens / secs;
    }
}
