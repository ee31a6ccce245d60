package org.rltf.generator;

/**
 * Keeps a generator from running far ahead of the learner, in the manner of Reverb's rate limiter
 * (samples-per-insert with an error buffer), seen from the inserting side:
 *
 * <pre>
 *   published + n  &lt;=  errorBuffer + samplesPerStep * learnerStep
 * </pre>
 *
 * must hold before the generator publishes n more samples. When the learner is slow the generator waits instead
 * of filling the buffer with samples of a policy the learner has long left behind (which the buffer's policy-lag
 * bound would then drop: wasted work). {@code learnerStep} is the newest committed learner step the generator has
 * seen; it only grows. Counting is in samples of this generator (greedy ones included) and needs no clock.
 *
 * <p>A restarted generator does not know how much it published before; {@link #resumeAt} assumes it was exactly
 * on the ratio, so it gets one error buffer of room again.
 */
public final class RateLimiter {
    private final double samplesPerStep;
    private final long errorBuffer;
    private long published;
    private long learnerStep;

    /** {@code samplesPerStep <= 0} turns the limit off. */
    public RateLimiter(double samplesPerStep, long errorBuffer) {
        if (!Double.isFinite(samplesPerStep)) throw new IllegalArgumentException("samplesPerStep must be finite");
        if (errorBuffer < 0) throw new IllegalArgumentException("errorBuffer must be >= 0, got " + errorBuffer);
        this.samplesPerStep = samplesPerStep;
        this.errorBuffer = errorBuffer;
    }

    public boolean enabled() { return samplesPerStep > 0; }

    /** Records the learner's progress (newest committed step); older news is ignored. */
    public void learnerProgress(long step) {
        learnerStep = Math.max(learnerStep, step);
    }

    /** Sets the published count as if the generator had been exactly on the ratio at the learner's current step. */
    public void resumeAt(long step) {
        learnerProgress(step);
        published = (long) Math.floor(samplesPerStep * learnerStep);
    }

    /** How many samples may have been published at the learner's current step. */
    public long allowance() {
        if (!enabled()) return Long.MAX_VALUE;
        return errorBuffer + (long) Math.floor(samplesPerStep * learnerStep);
    }

    /** Whether {@code n} more samples may be published now (without taking them). */
    public boolean mayPublish(int n) {
        return !enabled() || published + n <= allowance();
    }

    /** Takes {@code n} samples of allowance if there are; false (and nothing taken) otherwise. */
    public boolean tryAcquire(int n) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
        if (!mayPublish(n)) return false;
        published += n;
        return true;
    }

    public long published() { return published; }

    public long learnerStep() { return learnerStep; }

    @Override public String toString() {
        return "RateLimiter(published=" + published + ", allowance=" + (enabled() ? allowance() : "unlimited")
                + ", learnerStep=" + learnerStep + ")";
    }
}
