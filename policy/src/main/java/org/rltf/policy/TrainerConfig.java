package org.rltf.policy;

/**
 * AdamW hyper-parameters.
 *
 * @param lr          peak learning rate, reached after {@code warmupSteps} of linear warm-up; kept, or decayed (below)
 * @param weightDecay decoupled weight decay (applied to matrices and embeddings, not to biases or norms, as nanoGPT does)
 * @param gradClip    the global gradient norm is clipped to this before each step; 0 or less disables clipping
 * @param seed        recorded with the state; the trainer itself draws no random numbers
 * @param decaySteps  0: the rate stays at {@code lr} after the warm-up; else it follows a cosine from {@code lr} at the
 *                    end of the warm-up to {@code minLr} at step {@code decaySteps}, and stays there (nanoGPT's schedule)
 * @param minLr       the rate at the end of the decay
 */
public record TrainerConfig(double lr, double weightDecay, double beta1, double beta2, double eps, int warmupSteps, double gradClip, long seed,
                            int decaySteps, double minLr) {
    public TrainerConfig {
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
        if (decaySteps < 0) throw new IllegalArgumentException("decaySteps must be >= 0, got " + decaySteps);
        if (!(minLr >= 0 && minLr <= lr)) throw new IllegalArgumentException("minLr must be in [0, lr], got " + minLr);
    }

    /** A constant rate after the warm-up. */
    public TrainerConfig(double lr, double weightDecay, double beta1, double beta2, double eps, int warmupSteps, double gradClip, long seed) {
        this(lr, weightDecay, beta1, beta2, eps, warmupSteps, gradClip, seed, 0, lr);
    }

    /** lr 3e-4, weight decay 0.1, betas (0.9, 0.95), eps 1e-8, 100 warm-up steps, clip 1.0, seed 0 (nanoGPT's defaults). */
    public static TrainerConfig defaults() {
        return new TrainerConfig(3e-4, 0.1, 0.9, 0.95, 1e-8, 100, 1.0, 0L);
    }

    /** Learning rate of optimizer step {@code step} (1-based): linear warm-up, then constant or a cosine decay. */
    public double lrAt(long step) {
        if (warmupSteps > 0 && step < warmupSteps) return lr * step / warmupSteps;
        if (decaySteps == 0) return lr;
        if (step >= decaySteps) return minLr;
        double progress = (double) (step - warmupSteps) / Math.max(1, decaySteps - warmupSteps);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
    }
}
