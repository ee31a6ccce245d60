package org.rltf.policy;

/**
 * AdamW hyper-parameters.
 *
 * @param lr          peak learning rate, reached after {@code warmupSteps} of linear warm-up and kept
 * @param weightDecay decoupled weight decay (applied to matrices and embeddings, not to biases or norms, as nanoGPT does)
 * @param gradClip    the global gradient norm is clipped to this before each step; 0 or less disables clipping
 * @param seed        recorded with the state; the trainer itself draws no random numbers
 */
public record TrainerConfig(double lr, double weightDecay, double beta1, double beta2, double eps, int warmupSteps, double gradClip, long seed) {
    public TrainerConfig {
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
    }

    /** lr 3e-4, weight decay 0.1, betas (0.9, 0.95), eps 1e-8, 100 warm-up steps, clip 1.0, seed 0 (nanoGPT's defaults). */
    public static TrainerConfig defaults() {
        return new TrainerConfig(3e-4, 0.1, 0.9, 0.95, 1e-8, 100, 1.0, 0L);
    }

    /** Learning rate of optimizer step {@code step} (1-based): linear warm-up, then constant. */
    public double lrAt(long step) {
        if (warmupSteps == 0 || step >= warmupSteps) return lr;
        return lr * step / warmupSteps;
    }
}
