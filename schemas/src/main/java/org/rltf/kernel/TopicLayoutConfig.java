package org.rltf.kernel;

import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * How a run's topics are created: partitions, replication and retention. Unknown keys in the map are ignored,
 * so a service can pass its whole config.
 */
public final class TopicLayoutConfig extends AbstractConfig {
    public static final String PARTITIONS_CONFIG = "topics.partitions";
    private static final String PARTITIONS_DOC = "Partitions of problems, samples, feedback and experience. samples, "
            + "feedback and experience are joined by sample id, so they always get the same count (co-partitioned).";

    public static final String LOG_PARTITIONS_CONFIG = "topics.log.partitions";
    private static final String LOG_PARTITIONS_DOC = "Partitions of checkpoints, learner-steps, evaluations and dead-letter. "
            + "1 keeps each a single ordered log, which replay relies on for checkpoints and learner-steps.";

    public static final String REPLICATION_FACTOR_CONFIG = "topics.replication.factor";
    private static final String REPLICATION_FACTOR_DOC = "Replication factor of every run topic; -1 takes the broker's "
            + "default.replication.factor.";

    public static final String RETENTION_MS_CONFIG = "topics.retention.ms";
    private static final String RETENTION_MS_DOC = "retention.ms of the event topics (samples, feedback, experience, "
            + "checkpoints, learner-steps, evaluations). -1 keeps them whole, which a replay needs.";

    public static final String DEAD_LETTER_RETENTION_MS_CONFIG = "topics.dead.letter.retention.ms";
    private static final String DEAD_LETTER_RETENTION_MS_DOC = "retention.ms of the dead-letter topic; -1 keeps every "
            + "rejected record.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(PARTITIONS_CONFIG, Type.INT, 4, Range.atLeast(1), Importance.MEDIUM, PARTITIONS_DOC)
            .define(LOG_PARTITIONS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.LOW, LOG_PARTITIONS_DOC)
            .define(REPLICATION_FACTOR_CONFIG, Type.SHORT, (short) -1, (name, value) -> {
                short v = (Short) value;
                if (v != -1 && v < 1)
                    throw new org.apache.kafka.common.config.ConfigException(name, value, "must be -1 or at least 1");
            }, Importance.MEDIUM, REPLICATION_FACTOR_DOC)
            .define(RETENTION_MS_CONFIG, Type.LONG, -1L, Range.atLeast(-1), Importance.LOW, RETENTION_MS_DOC)
            .define(DEAD_LETTER_RETENTION_MS_CONFIG, Type.LONG, -1L, Range.atLeast(-1), Importance.LOW, DEAD_LETTER_RETENTION_MS_DOC);

    public TopicLayoutConfig(Map<?, ?> originals) {
        super(CONFIG, originals, false);
    }

    /** The defaults: 4 co-partitioned event partitions, 1-partition logs, broker replication, infinite retention. */
    public static TopicLayoutConfig defaults() {
        return new TopicLayoutConfig(Map.of());
    }

    public int partitions() { return getInt(PARTITIONS_CONFIG); }
    public int logPartitions() { return getInt(LOG_PARTITIONS_CONFIG); }
    public short replicationFactor() { return getShort(REPLICATION_FACTOR_CONFIG); }
    public long retentionMs() { return getLong(RETENTION_MS_CONFIG); }
    public long deadLetterRetentionMs() { return getLong(DEAD_LETTER_RETENTION_MS_CONFIG); }
}
