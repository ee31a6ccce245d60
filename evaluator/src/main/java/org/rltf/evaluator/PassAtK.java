package org.rltf.evaluator;

/**
 * The unbiased pass@k estimator of the Codex paper (Chen et al. 2021), RLTF-METHOD.md section 6: with n programs
 * sampled for a problem of which c pass,
 *
 * <pre>
 *   pass@k = 1 - C(n - c, k) / C(n, k)  =  1 - prod_{i = n-c+1 .. n} (1 - k / i)
 * </pre>
 *
 * the probability that at least one of k programs drawn without replacement from the n passes. The product form
 * never forms a binomial coefficient, so it is exact in doubles for any n (C(200, 100) overflows a long). A benchmark
 * figure is its mean over problems.
 */
public final class PassAtK {
    private PassAtK() {
    }

    /** pass@k of one problem; {@link IllegalArgumentException} unless 0 <= c <= n and 1 <= k <= n. */
    public static double estimate(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n)
            throw new IllegalArgumentException("pass@k needs 0 <= c <= n and 1 <= k <= n, got n=" + n + " c=" + c + " k=" + k);
        if (n - c < k) return 1.0; // every k-subset holds a passing program
        double fail = 1.0; // C(n-c, k) / C(n, k), the chance that all k drawn fail
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - (double) k / i;
        return 1.0 - fail;
    }
}
