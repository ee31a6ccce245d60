package org.rltf.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Throughput measurements behind {@code rltf bench policy}. The shapes match the PyTorch reference
 * script the command runs next to it (lab's bench/policy_bench.py): training on random token
 * sequences with the loss on the second half of each row; sampling at temperature 1, top-p 0.95
 * from equal-length random prompts with eos suppressed, so every row generates exactly
 * {@code newTokens} tokens and both sides do the same work.
 */
public final class PolicyBench {
    static { PolicyRuntime.configureOffline(); }

    private PolicyBench() {}

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
