package org.rltf.evaluator;

import java.util.List;

/**
 * How a checkpoint is evaluated: {@code n} programs per problem at {@code temperature} / {@code topP}, pass@k for
 * each of {@code ks}, plus one greedy program per problem (greedy pass@1). The paper's defaults: n samples at
 * temperature 0.6, top-p 0.95 (RLTF-METHOD.md section 6). {@code seed} fixes the sampled programs: every checkpoint of
 * a run is evaluated with the same seed, so two checkpoints are compared on the same random draws.
 *
 * @param batchRows most sequences sampled in one batch (memory and latency, not the result)
 */
public record EvalSettings(int n, List<Integer> ks, float temperature, float topP, int maxNewTokens,
                           List<String> stopStrings, long seed, int batchRows) {
    public EvalSettings {
        ks = List.copyOf(ks);
        stopStrings = List.copyOf(stopStrings);
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        if (ks.isEmpty()) throw new IllegalArgumentException("name at least one k");
        for (int k : ks) if (k < 1 || k > n) throw new IllegalArgumentException("k=" + k + " needs 1 <= k <= n=" + n);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 (greedy is evaluated besides)");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1");
        if (batchRows < 1) throw new IllegalArgumentException("batchRows must be >= 1");
    }

    /** The paper's evaluation: n = 10, pass@1 and pass@5, temperature 0.6, top-p 0.95. */
    public static EvalSettings defaults(int maxNewTokens, List<String> stopStrings) {
        return new EvalSettings(10, List.of(1, 5), 0.6f, 0.95f, maxNewTokens, stopStrings, 1234, 64);
    }
}
