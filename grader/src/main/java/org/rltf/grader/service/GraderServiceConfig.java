package org.rltf.grader.service;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.schemas.Topics;

/**
 * The Kafka side of the grader service. The grading itself (sandbox limits, parallelism) is configured by
 * {@link GraderConfig}, which reads the same map; {@link #SPEC} holds both, and the constructor checks every key
 * against it ({@link ConfigContract#check}), so a mistyped key stops the service at start-up instead of being
 * silently dropped. Keys prefixed {@code consumer.} and {@code producer.} go to those clients as they are (e.g.
 * {@code consumer.session.timeout.ms}); common client keys ({@code security.protocol}, {@code sasl.*},
 * {@code ssl.*}) reach every client the service opens, the problems reader included.
 */
public final class GraderServiceConfig extends AbstractConfig {

    public static final String RUN_CONFIG = RunConfig.RUN_CONFIG;
    private static final String RUN_DOC = "The run to grade: the service reads rltf.<run>.samples and rltf.<run>.problems "
            + "and writes rltf.<run>.feedback and rltf.<run>.dead-letter.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = RunConfig.BOOTSTRAP_SERVERS_CONFIG;

    public static final String SCHEMA_REGISTRY_URL_CONFIG = RunConfig.SCHEMA_REGISTRY_URL_CONFIG;

    public static final String GROUP_ID_CONFIG = "grader.group.id";
    private static final String GROUP_ID_DOC = "Consumer group of the graders; instances in one group share the samples' "
            + "partitions. Empty: rltf.<run>.grader.";

    public static final String INSTANCE_ID_CONFIG = "grader.instance.id";
    private static final String INSTANCE_ID_DOC = "This instance's stable name, unique within the group. It names the "
            + "transactional producer (<grader.transactional.id.prefix>.<run>.<grader.instance.id>) and the static "
            + "group member, so an instance restarted under the same name fences its predecessor, aborts its open "
            + "transaction and takes its partitions back at once. Empty: <host>-<pid>, which is unique but not stable: "
            + "a crashed instance's open transaction then holds read_committed readers back until "
            + "grader.transaction.timeout.ms expires.";

    public static final String TRANSACTIONAL_ID_PREFIX_CONFIG = "grader.transactional.id.prefix";
    private static final String TRANSACTIONAL_ID_PREFIX_DOC = "Prefix of the producer's transactional.id.";

    public static final String BATCH_MAX_RECORDS_CONFIG = "grader.batch.max.records";
    private static final String BATCH_MAX_RECORDS_DOC = "Most samples graded in one transaction (the consumer's "
            + "max.poll.records). Larger batches amortise the commit; smaller ones lose less work to a crash.";

    public static final String POLL_TIMEOUT_MS_CONFIG = "grader.poll.timeout.ms";
    private static final String POLL_TIMEOUT_MS_DOC = "How long one poll for samples waits when none are ready.";

    public static final String TRANSACTION_LINGER_MS_CONFIG = "grader.transaction.linger.ms";
    private static final String TRANSACTION_LINGER_MS_DOC = "How long a transaction stays open for further batches the "
            + "consumer has already fetched: after a batch is sent, the grader takes the next batch without waiting "
            + "(a poll of zero) and adds it to the same transaction, until none is ready or this long has passed since "
            + "the transaction began; then it commits. At a high sample rate this amortises the commit, as Kafka "
            + "Streams' commit.interval.ms does; at a low one every batch still commits at once, so latency does not "
            + "grow. 0: one transaction per batch. An abort reads every batch of the transaction again. (rltf bench pipeline, "
            + "synthetic grading: 100 ms doubled the pipeline's throughput against one transaction per batch.)";

    public static final String TRANSACTION_TIMEOUT_MS_CONFIG = "grader.transaction.timeout.ms";
    private static final String TRANSACTION_TIMEOUT_MS_DOC = "The producer's transaction.timeout.ms. A batch is graded "
            + "inside its transaction, so this must exceed the slowest batch (grader.batch.max.records programs, each up "
            + "to its tests' time limits, over the grader's parallelism); the broker caps it at "
            + "transaction.max.timeout.ms.";

    public static final String MAX_POLL_INTERVAL_MS_CONFIG = "grader.max.poll.interval.ms";
    private static final String MAX_POLL_INTERVAL_MS_DOC = "The consumer's max.poll.interval.ms: longest time a batch may "
            + "take before the group considers this instance dead.";

    public static final String SANDBOX_ERROR_RETRIES_CONFIG = "grader.sandbox.error.retries";
    private static final String SANDBOX_ERROR_RETRIES_DOC = "How often a program whose grading ended in SANDBOX_ERROR (the "
            + "grader's own failure, not the program's) is graded again before that verdict is published. The verdict is "
            + "published either way, so every sample gets exactly one Feedback; streams drops SANDBOX_ERROR from rewards.";

    public static final String PROGRESS_INTERVAL_MS_CONFIG = "grader.progress.interval.ms";
    private static final String PROGRESS_INTERVAL_MS_DOC = "How often progress and throughput are logged.";

    public static final ConfigDef CONFIG = RunConfig.define(RUN_DOC)
            .define(GROUP_ID_CONFIG, Type.STRING, "", Importance.MEDIUM, GROUP_ID_DOC)
            .define(INSTANCE_ID_CONFIG, Type.STRING, "", RunConfig.INSTANCE_NAME, Importance.MEDIUM, INSTANCE_ID_DOC)
            .define(TRANSACTIONAL_ID_PREFIX_CONFIG, Type.STRING, "rltf-grader", new ConfigDef.NonEmptyString(),
                    Importance.LOW, TRANSACTIONAL_ID_PREFIX_DOC)
            .define(BATCH_MAX_RECORDS_CONFIG, Type.INT, 16, Range.between(1, 10_000), Importance.MEDIUM, BATCH_MAX_RECORDS_DOC)
            .define(POLL_TIMEOUT_MS_CONFIG, Type.LONG, 500L, Range.between(1, 60_000), Importance.LOW, POLL_TIMEOUT_MS_DOC)
            .define(TRANSACTION_LINGER_MS_CONFIG, Type.LONG, 100L, Range.between(0, 60_000), Importance.MEDIUM,
                    TRANSACTION_LINGER_MS_DOC)
            .define(TRANSACTION_TIMEOUT_MS_CONFIG, Type.INT, 300_000, Range.atLeast(1000), Importance.MEDIUM,
                    TRANSACTION_TIMEOUT_MS_DOC)
            .define(MAX_POLL_INTERVAL_MS_CONFIG, Type.INT, 600_000, Range.atLeast(1000), Importance.LOW,
                    MAX_POLL_INTERVAL_MS_DOC)
            .define(SANDBOX_ERROR_RETRIES_CONFIG, Type.INT, 1, Range.between(0, 10), Importance.LOW, SANDBOX_ERROR_RETRIES_DOC)
            .define(PROGRESS_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    PROGRESS_INTERVAL_MS_DOC);

    /**
     * The grader's keys, for the config contract and help text. The service's own keys had no {@code grader.} prefix
     * before the contract; the old names stay accepted, with a deprecation warning, so existing deployments start.
     */
    public static final ServiceSpec SPEC = ServiceSpec.builder("grader")
            .description("The grader: runs each sampled program's unit tests in the sandbox and publishes its feedback, "
                    + "exactly once.")
            .config(CONFIG).config(GraderConfig.CONFIG).producerOverrides().consumerOverrides()
            .renamed("group.id", GROUP_ID_CONFIG)
            .renamed("instance.id", INSTANCE_ID_CONFIG)
            .renamed("transactional.id.prefix", TRANSACTIONAL_ID_PREFIX_CONFIG)
            .renamed("batch.max.records", BATCH_MAX_RECORDS_CONFIG)
            .renamed("poll.timeout.ms", POLL_TIMEOUT_MS_CONFIG)
            .renamed("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS_CONFIG)
            .renamed("max.poll.interval.ms", MAX_POLL_INTERVAL_MS_CONFIG)
            .renamed("sandbox.error.retries", SANDBOX_ERROR_RETRIES_CONFIG)
            .renamed("progress.interval.ms", PROGRESS_INTERVAL_MS_CONFIG)
            .build();

    private final String instanceId;

    /** @throws org.rltf.kernel.UnknownConfigException naming a key the grader does not read, and the nearest one */
    public GraderServiceConfig(Map<String, ?> originals) {
        super(CONFIG, ConfigContract.check(SPEC, originals), false);
        String id = getString(INSTANCE_ID_CONFIG);
        this.instanceId = id.isEmpty() ? hostName() + "-" + ManagementFactory.getRuntimeMXBean().getPid() : id;
    }

    public String run() { return getString(RUN_CONFIG); }
    public Topics topics() { return Topics.forRun(run()); }
    public String bootstrapServers() { return getString(BOOTSTRAP_SERVERS_CONFIG); }
    public String schemaRegistryUrl() { return getString(SCHEMA_REGISTRY_URL_CONFIG); }
    public int batchMaxRecords() { return getInt(BATCH_MAX_RECORDS_CONFIG); }
    public long pollTimeoutMs() { return getLong(POLL_TIMEOUT_MS_CONFIG); }
    public long transactionLingerMs() { return getLong(TRANSACTION_LINGER_MS_CONFIG); }
    public int transactionTimeoutMs() { return getInt(TRANSACTION_TIMEOUT_MS_CONFIG); }
    public int maxPollIntervalMs() { return getInt(MAX_POLL_INTERVAL_MS_CONFIG); }
    public int sandboxErrorRetries() { return getInt(SANDBOX_ERROR_RETRIES_CONFIG); }
    public long progressIntervalMs() { return getLong(PROGRESS_INTERVAL_MS_CONFIG); }

    public String groupId() {
        String group = getString(GROUP_ID_CONFIG);
        return group.isEmpty() ? Topics.PREFIX + "." + run() + ".grader" : group;
    }

    /** True when the instance id was given (stable across restarts), so static membership is safe to use. */
    public boolean hasStableInstanceId() {
        return !getString(INSTANCE_ID_CONFIG).isEmpty();
    }

    public String instanceId() {
        return instanceId;
    }

    public String transactionalId() {
        return getString(TRANSACTIONAL_ID_PREFIX_CONFIG) + "." + run() + "." + instanceId();
    }

    /** The samples consumer: the graders' group, read_committed, offsets committed only inside the transaction. */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
        if (hasStableInstanceId()) {
            // Static membership: a restart under the same name takes its partitions back without a rebalance.
            defaults.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId());
        }
        defaults.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        defaults.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        defaults.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        defaults.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchMaxRecords());
        defaults.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs());
        return ClientConfigs.consumer(originals(), clientId(), defaults);
    }

    /** The transactional producer of feedback and dead letters. */
    public Map<String, Object> producerConfig() {
        return ClientConfigs.transactionalProducer(originals(), clientId(), transactionalId(), Map.of(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs()));
    }

    /** The client id of the problems table's reader, which builds its consumer from {@link #originals()}. */
    public String problemsClientId() {
        return clientId() + "-problems";
    }

    private String clientId() {
        return "rltf-grader-" + run() + "-" + instanceId();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
