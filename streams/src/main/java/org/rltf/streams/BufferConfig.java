package org.rltf.streams;

import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The online buffer (RLTF-METHOD.md section 5, ARCHITECTURE.md "The online buffer"): the join of samples and
 * feedback, the windowed experience store and what a snapshot of it holds. All times are event time (record
 * timestamps), never the wall clock. Unknown keys are ignored, so a service can pass its whole config.
 */
public final class BufferConfig extends AbstractConfig {
    public static final String CAPACITY_CONFIG = "buffer.capacity";
    private static final String CAPACITY_DOC = "A snapshot holds at most the newest N experiences (FIFO eviction; "
            + "paper: 6400).";

    public static final String HORIZON_MS_CONFIG = "buffer.horizon.ms";
    private static final String HORIZON_MS_DOC = "Event-time retention of the experience store: a snapshot holds only "
            + "experiences at most this much older than the newest one in the store. Must be at least "
            + "buffer.join.window.ms + buffer.grace.ms, and at least buffer.baseline.wait.ms.";

    public static final String JOIN_WINDOW_MS_CONFIG = "buffer.join.window.ms";
    private static final String JOIN_WINDOW_MS_DOC = "Largest event-time distance between a sample and its feedback "
            + "that still joins: bounds how long grading may take.";

    public static final String GRACE_MS_CONFIG = "buffer.grace.ms";
    private static final String GRACE_MS_DOC = "How late (in stream time) an out-of-order sample or feedback may "
            + "arrive and still join.";

    public static final String MAX_POLICY_LAG_CONFIG = "buffer.max.policy.lag";
    private static final String MAX_POLICY_LAG_DOC = "A snapshot taken at policy version v holds only experiences "
            + "sampled by versions >= v - this lag (staleness bounded by versions, not by wall clock).";

    public static final String MIN_FILL_CONFIG = "buffer.min.fill";
    private static final String MIN_FILL_DOC = "RL training starts once the buffer holds at least this many "
            + "experiences. At most buffer.capacity.";

    public static final String SNAPSHOT_INTERVAL_STEPS_CONFIG = "buffer.snapshot.interval.steps";
    private static final String SNAPSHOT_INTERVAL_STEPS_DOC = "The learner takes a fresh snapshot of the buffer every "
            + "K optimizer steps and draws RL micro-batches from it (paper: 50).";

    public static final String BASELINE_WAIT_MS_CONFIG = "buffer.baseline.wait.ms";
    private static final String BASELINE_WAIT_MS_DOC = "How long, in stream time, an experience waits for its "
            + "baseline: for reward.baseline=greedy the greedy sample of the same problem and policy version, for "
            + "group-mean the rest of its group. After that the greedy baseline falls back to the latest older greedy "
            + "reward of the problem (else 0) and the group mean uses the samples seen so far.";

    public static final String GROUP_SIZE_CONFIG = "buffer.group.size";
    private static final String GROUP_SIZE_DOC = "For reward.baseline=group-mean: the number of non-greedy samples "
            + "the generator publishes per problem and policy version. It must equal the generator's samples.per.problem "
            + "(its k; the default 4 is the generator's default; paper: 20): with a larger value no group is ever "
            + "complete and every sample waits out buffer.baseline.wait.ms, with a smaller one a group is released "
            + "before all of it is there. A group is released as soon as this many have arrived; 0 waits "
            + "buffer.baseline.wait.ms of stream time for every group.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(CAPACITY_CONFIG, Type.INT, 6400, Range.atLeast(1), Importance.HIGH, CAPACITY_DOC)
            .define(HORIZON_MS_CONFIG, Type.LONG, 24 * 60 * 60 * 1000L, Range.atLeast(1), Importance.HIGH,
                    HORIZON_MS_DOC)
            .define(JOIN_WINDOW_MS_CONFIG, Type.LONG, 10 * 60 * 1000L, Range.atLeast(0), Importance.MEDIUM,
                    JOIN_WINDOW_MS_DOC)
            .define(GRACE_MS_CONFIG, Type.LONG, 60 * 1000L, Range.atLeast(0), Importance.MEDIUM, GRACE_MS_DOC)
            .define(MAX_POLICY_LAG_CONFIG, Type.LONG, 4L, Range.atLeast(0), Importance.HIGH, MAX_POLICY_LAG_DOC)
            .define(MIN_FILL_CONFIG, Type.INT, 256, Range.atLeast(1), Importance.HIGH, MIN_FILL_DOC)
            .define(SNAPSHOT_INTERVAL_STEPS_CONFIG, Type.INT, 50, Range.atLeast(1), Importance.MEDIUM,
                    SNAPSHOT_INTERVAL_STEPS_DOC)
            .define(BASELINE_WAIT_MS_CONFIG, Type.LONG, 2 * 60 * 1000L, Range.atLeast(0), Importance.MEDIUM,
                    BASELINE_WAIT_MS_DOC)
            .define(GROUP_SIZE_CONFIG, Type.INT, 4, Range.atLeast(0), Importance.MEDIUM, GROUP_SIZE_DOC);

    public BufferConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        // Cross-key rules ConfigDef's per-key validators cannot express; fail at start-up naming the key.
        if (horizonMs() < joinWindowMs() + graceMs())
            throw new ConfigException(HORIZON_MS_CONFIG, horizonMs(), "must be at least " + JOIN_WINDOW_MS_CONFIG
                    + " + " + GRACE_MS_CONFIG + " = " + (joinWindowMs() + graceMs())
                    + ": a shorter retention drops experiences the join can still produce");
        if (horizonMs() < baselineWaitMs())
            throw new ConfigException(HORIZON_MS_CONFIG, horizonMs(), "must be at least " + BASELINE_WAIT_MS_CONFIG
                    + " = " + baselineWaitMs());
        if (minFill() > capacity())
            throw new ConfigException(MIN_FILL_CONFIG, minFill(), "must be at most " + CAPACITY_CONFIG + " = "
                    + capacity() + ", or training never starts");
    }

    public int capacity() { return getInt(CAPACITY_CONFIG); }
    public long horizonMs() { return getLong(HORIZON_MS_CONFIG); }
    public long joinWindowMs() { return getLong(JOIN_WINDOW_MS_CONFIG); }
    public long graceMs() { return getLong(GRACE_MS_CONFIG); }
    public long maxPolicyLag() { return getLong(MAX_POLICY_LAG_CONFIG); }
    public int minFill() { return getInt(MIN_FILL_CONFIG); }
    public int snapshotIntervalSteps() { return getInt(SNAPSHOT_INTERVAL_STEPS_CONFIG); }
    public long baselineWaitMs() { return getLong(BASELINE_WAIT_MS_CONFIG); }
    public int groupSize() { return getInt(GROUP_SIZE_CONFIG); }
}
