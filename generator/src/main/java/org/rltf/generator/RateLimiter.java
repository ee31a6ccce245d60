package org.rltf.generator;

/**
 * Keeps the run's generators from running far ahead of the learner, in the manner of Reverb's rate limiter
 * (samples-per-insert with an error buffer), seen from the inserting side:
 *
 * <pre>
 *   published + n  &lt;=  errorBuffer + samplesPerStep * learnerStep
 * </pre>
 *
 * must hold before a generator publishes n more samples. When the learner is slow the generators wait instead
 * of filling the buffer with samples of a policy the learner has long left behind (which the buffer's policy-lag
 * bound would then drop: wasted work). {@code learnerStep} is the newest committed learner step the generator has
 * seen; it only grows. {@code published} counts the run's samples, every generator's together (greedy ones
 * included), and needs no clock: the generator counts what the samples topic holds when it starts
 * ({@link #counted}), then the other generators' samples as they commit ({@link #counted}) and its own as it takes
 * room for them ({@link #tryAcquire}). A second generator, or a restarted one, therefore finds the room the first
 * one used already taken. Generators deciding at the same moment cannot see each other's round in flight, so
 * together they may overshoot by at most one round each.
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

    /** Counts {@code n} samples of the run that are published already (read from the samples topic). */
    public void counted(long n) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
        published += n;
    }

    /** How many samples the run may have published at the learner's current step. */
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

    /** The run's samples counted so far, this generator's included. */
    public long published() { return published; }

    public long learnerStep() { return learnerStep; }

    @Override public String toString() {
        return "RateLimiter(run's samples=" + published + ", allowance=" + (enabled() ? allowance() : "unlimited")
                + ", learnerStep=" + learnerStep + ")";
    }
}
