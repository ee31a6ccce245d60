package org.rltf.generator;

/**
 * The generator's event time: a monotonic logical clock, never the wall clock. Each sample is stamped
 * {@code max(previous stamp, anchor) + tick}, where the anchor is the record timestamp of the checkpoint event the
 * sample's weights came from. So a generator's stamps only grow, a checkpoint pulls a lagging generator's clock up
 * to the learner's (which stamps checkpoints from the samples it trained on), and the same sequence of checkpoints
 * and samples gives the same stamps, which is what a replay needs.
 *
 * <p>Trade-off: event time then measures samples, not seconds (1000 / tick samples per second of event time), so
 * the buffer's event-time settings ({@code buffer.baseline.wait.ms}, {@code buffer.join.window.ms},
 * {@code buffer.grace.ms}, {@code buffer.horizon.ms}) count samples. The clock runs ahead of the wall clock only if
 * a generator publishes more than 1000 / tick samples per second for a long time; a broker refuses records more
 * than {@code log.message.timestamp.after.max.ms} (one hour by default in Kafka 4) in its future.
 */
final class EventClock {
    private final long tickMs;
    private long last = Long.MIN_VALUE;

    EventClock(long tickMs) {
        if (tickMs < 1) throw new IllegalArgumentException("tick must be >= 1 ms, got " + tickMs);
        this.tickMs = tickMs;
    }

    /** The next stamp for a sample of weights whose checkpoint event has timestamp {@code anchor}. */
    long next(long anchor) {
        last = Math.max(last, anchor) + tickMs;
        return last;
    }

    /** Continues after {@code stamp} (a restarted generator's newest stamp). */
    void advanceTo(long stamp) {
        last = Math.max(last, stamp);
    }

    long last() { return last; }
}
