package org.rltf.generator;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.kernel.Validators;
import org.rltf.schemas.Topics;

/**
 * Configuration of {@link GeneratorService}. Keys are defined once here, with their documentation, defaults and
 * validators; a bad value fails at start-up with a {@link ConfigException} naming the key, and so does a key the
 * generator does not read ({@link ConfigContract}). The generator's own keys carry the {@code generator.} prefix;
 * their old unprefixed names ({@code samples.per.problem}, {@code seed}, ...) are still accepted, with a deprecation
 * warning. Kafka client keys given at the top level ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...)
 * reach every client; keys prefixed {@code producer.} and {@code consumer.} go to those clients only.
 */
public final class GeneratorConfig extends AbstractConfig {
    /** The prefix of the generator's own keys. */
    public static final String PREFIX = "generator.";

    public static final String RUN_CONFIG = RunConfig.RUN_CONFIG;
    private static final String RUN_DOC = "The run: the generator reads rltf.<run>.problems, .checkpoints and "
            + ".learner-steps and writes rltf.<run>.samples (and .dead-letter).";

    public static final String BOOTSTRAP_SERVERS_CONFIG = RunConfig.BOOTSTRAP_SERVERS_CONFIG;

    public static final String SCHEMA_REGISTRY_URL_CONFIG = RunConfig.SCHEMA_REGISTRY_URL_CONFIG;

    public static final String GENERATOR_ID_CONFIG = "generator.id";
    private static final String GENERATOR_ID_DOC = "This generator's name, unique among the run's generators and stable "
            + "across restarts: it is part of every sample id and of the sampling seeds, and a restarted generator finds "
            + "its own samples of the current policy version by it (so it never reuses a sample id). Empty: gen-<pid>.";

    public static final String CHECKPOINT_STORE_DIR_CONFIG = "generator.checkpoint.store.dir";
    private static final String CHECKPOINT_STORE_DIR_DOC = "The checkpoint store as this machine sees it. When set, a "
            + "checkpoint event whose file: URI lies outside it is refused (dead-lettered): an event must not make the "
            + "generator read arbitrary paths. Empty: any file: URI is accepted.";

    public static final String SAMPLES_PER_PROBLEM_CONFIG = "generator.samples.per.problem";
    private static final String SAMPLES_PER_PROBLEM_DOC = "k: programs sampled per problem and round at temperature, "
            + "besides the one greedy program (paper: 20). With reward.baseline=group-mean the buffer's buffer.group.size "
            + "should equal it.";

    public static final String TEMPERATURE_CONFIG = "generator.temperature";
    private static final String TEMPERATURE_DOC = "Sampling temperature of the k programs (paper's best: 1.0; the "
            + "released code: 0.6). The greedy program always uses 0.";

    public static final String TOP_P_CONFIG = "generator.top.p";
    private static final String TOP_P_DOC = "Nucleus sampling threshold of the k programs.";

    public static final String MAX_NEW_TOKENS_CONFIG = "generator.max.new.tokens";
    private static final String MAX_NEW_TOKENS_DOC = "Most completion tokens per program (paper: 512). Prompts longer "
            + "than the model's context minus this keep their last tokens.";

    public static final String STOP_STRINGS_CONFIG = "generator.stop.strings";
    private static final String STOP_STRINGS_DOC = "Strings that end a completion (removed from it), comma-separated. "
            + "Empty: only end-of-sequence and generator.max.new.tokens end one.";

    public static final String SEED_CONFIG = "generator.seed";
    private static final String SEED_DOC = "Run seed. The sampler's seed of each round is derived from it, the generator "
            + "id, the policy version and the round, and recorded on every sample.";

    public static final String BATCH_PROBLEMS_CONFIG = "generator.batch.problems";
    private static final String BATCH_PROBLEMS_DOC = "Problems per round: one round samples the greedy program of each "
            + "(one batch) and then k programs of each (one batch of generator.batch.problems * k prompts), and "
            + "publishes them. Weights switch only between rounds.";

    public static final String TESTS_ONLY_WEIGHT_CONFIG = "generator.tests.only.weight";
    private static final String TESTS_ONLY_WEIGHT_DOC = "How many times a problem without reference solutions comes "
            + "in the round-robin order for each time a problem with one comes. Only RL learns from the former (the "
            + "supervised term covers the latter), so weighting them spends the sampling budget where it is the only "
            + "signal; every training problem is still sampled. 1: all alike.";

    public static final String PROBLEMS_SPLIT_CONFIG = "generator.problems.split";
    private static final String PROBLEMS_SPLIT_DOC = "The split of the problems topic the generator samples for "
            + "(comma-separated list).";

    public static final String EVENT_TIME_TICK_MS_CONFIG = "generator.event.time.tick.ms";
    private static final String EVENT_TIME_TICK_MS_DOC = "Event time is a logical clock, not the wall clock: each "
            + "sample's record timestamp is max(previous sample's, the current checkpoint event's timestamp) + this tick. "
            + "The same inputs therefore give the same timestamps, and the buffer's event-time windows "
            + "(buffer.baseline.wait.ms, buffer.horizon.ms, buffer.join.window.ms) count samples, at 1000/tick per "
            + "second of event time. The learner anchors checkpoint timestamps on the samples' times, so generators' "
            + "clocks meet again at each checkpoint.";

    public static final String RATE_LIMIT_SAMPLES_PER_STEP_CONFIG = "generator.rate.limit.samples.per.step";
    private static final String RATE_LIMIT_SAMPLES_PER_STEP_DOC = "Backpressure, like Reverb's rate limiter: the "
            + "run's generators together may have published at most generator.rate.limit.error.buffer + this ratio * "
            + "(the learner's newest committed step) samples, greedy ones included (each counts every generator's "
            + "samples in the samples topic); beyond that they wait for the learner. 0 turns the limit off. The "
            + "learner's steps become visible once per checkpoint period (they commit with the checkpoint). All of a "
            + "run's generators should use the same limit.";

    public static final String RATE_LIMIT_ERROR_BUFFER_CONFIG = "generator.rate.limit.error.buffer";
    private static final String RATE_LIMIT_ERROR_BUFFER_DOC = "How many samples the generator may run ahead of the "
            + "ratio; also what it may publish before the learner's first step, so it must cover the learner's "
            + "buffer.min.fill (with the rounds' greedy samples) or the two wait for each other. It is the run's "
            + "room, not each generator's: a second or a restarted generator finds what the others used taken. At least "
            + "one round: generator.batch.problems * "
            + "(generator.samples.per.problem + 1).";

    public static final String MAX_ROUNDS_CONFIG = "generator.max.rounds";
    private static final String MAX_ROUNDS_DOC = "Stop after this many rounds (0: run until closed).";

    public static final String POLL_TIMEOUT_MS_CONFIG = "generator.poll.timeout.ms";
    private static final String POLL_TIMEOUT_MS_DOC = "How long the generator waits for control events (checkpoints, "
            + "learner steps, problems) when it may not generate.";

    public static final String PROGRESS_INTERVAL_MS_CONFIG = "generator.progress.interval.ms";
    private static final String PROGRESS_INTERVAL_MS_DOC = "How often progress is logged.";

    /** Old key name -> new key name: the generator's keys before they took the {@code generator.} prefix. */
    static final Map<String, String> OLD_NAMES = oldNames(CHECKPOINT_STORE_DIR_CONFIG, SAMPLES_PER_PROBLEM_CONFIG,
            TEMPERATURE_CONFIG, TOP_P_CONFIG, MAX_NEW_TOKENS_CONFIG, STOP_STRINGS_CONFIG, SEED_CONFIG,
            BATCH_PROBLEMS_CONFIG, PROBLEMS_SPLIT_CONFIG, EVENT_TIME_TICK_MS_CONFIG, RATE_LIMIT_SAMPLES_PER_STEP_CONFIG,
            RATE_LIMIT_ERROR_BUFFER_CONFIG, MAX_ROUNDS_CONFIG, POLL_TIMEOUT_MS_CONFIG, PROGRESS_INTERVAL_MS_CONFIG);

    private static final ConfigDef.Validator NON_EMPTY_LIST = Validators.described("a non-empty list of split names",
            (name, value) -> {
                if (value == null || ((List<?>) value).isEmpty())
                    throw new ConfigException(name, value, "name at least one split");
            });

    public static final ConfigDef CONFIG = RunConfig.define(RUN_DOC)
            .define(GENERATOR_ID_CONFIG, Type.STRING, "", RunConfig.INSTANCE_NAME, Importance.HIGH, GENERATOR_ID_DOC)
            .define(CHECKPOINT_STORE_DIR_CONFIG, Type.STRING, "", Importance.MEDIUM, CHECKPOINT_STORE_DIR_DOC)
            .define(SAMPLES_PER_PROBLEM_CONFIG, Type.INT, 4, Range.between(1, 1000), Importance.HIGH,
                    SAMPLES_PER_PROBLEM_DOC)
            .define(TEMPERATURE_CONFIG, Type.DOUBLE, 1.0, Validators.greaterThan(0), Importance.HIGH, TEMPERATURE_DOC)
            .define(TOP_P_CONFIG, Type.DOUBLE, 0.95, Validators.openClosed(0, 1), Importance.MEDIUM, TOP_P_DOC)
            .define(MAX_NEW_TOKENS_CONFIG, Type.INT, 128, Range.between(1, 1 << 16), Importance.HIGH,
                    MAX_NEW_TOKENS_DOC)
            .define(STOP_STRINGS_CONFIG, Type.LIST, "", Importance.LOW, STOP_STRINGS_DOC)
            .define(SEED_CONFIG, Type.LONG, 42L, Importance.MEDIUM, SEED_DOC)
            .define(BATCH_PROBLEMS_CONFIG, Type.INT, 4, Range.between(1, 10_000), Importance.MEDIUM,
                    BATCH_PROBLEMS_DOC)
            .define(TESTS_ONLY_WEIGHT_CONFIG, Type.INT, 1, Range.between(1, 100), Importance.MEDIUM, TESTS_ONLY_WEIGHT_DOC)
            .define(PROBLEMS_SPLIT_CONFIG, Type.LIST, "train", NON_EMPTY_LIST, Importance.MEDIUM, PROBLEMS_SPLIT_DOC)
            .define(EVENT_TIME_TICK_MS_CONFIG, Type.LONG, 1L, Range.between(1, 60_000), Importance.LOW,
                    EVENT_TIME_TICK_MS_DOC)
            .define(RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, Type.DOUBLE, 32.0, Validators.atLeast(0), Importance.HIGH,
                    RATE_LIMIT_SAMPLES_PER_STEP_DOC)
            .define(RATE_LIMIT_ERROR_BUFFER_CONFIG, Type.LONG, 1024L, Range.atLeast(1), Importance.HIGH,
                    RATE_LIMIT_ERROR_BUFFER_DOC)
            .define(MAX_ROUNDS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.LOW, MAX_ROUNDS_DOC)
            .define(POLL_TIMEOUT_MS_CONFIG, Type.LONG, 200L, Range.between(1, 60_000), Importance.LOW,
                    POLL_TIMEOUT_MS_DOC)
            .define(PROGRESS_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    PROGRESS_INTERVAL_MS_DOC);

    /** The generator's keys, for the config contract and help text. */
    public static final ServiceSpec SPEC = spec();

    private final String generatorId;

    /**
     * Checks {@code originals} against {@link #SPEC} (an unknown key fails, naming it and the nearest valid one; an
     * old key name is taken under its new name with a warning), then parses and validates the values.
     */
    public GeneratorConfig(Map<?, ?> originals) {
        super(CONFIG, ConfigContract.check(SPEC, stringKeys(originals)), false);
        String id = getString(GENERATOR_ID_CONFIG);
        this.generatorId = id.isEmpty() ? "gen-" + ManagementFactory.getRuntimeMXBean().getPid() : id;
        if (rateLimitSamplesPerStep() > 0 && rateLimitErrorBuffer() < samplesPerRound())
            throw new ConfigException(RATE_LIMIT_ERROR_BUFFER_CONFIG, rateLimitErrorBuffer(), "must be at least one "
                    + "round, " + BATCH_PROBLEMS_CONFIG + " * (" + SAMPLES_PER_PROBLEM_CONFIG + " + 1) = "
                    + samplesPerRound() + ", or the generator never starts");
    }

    private static ServiceSpec spec() {
        ServiceSpec.Builder b = ServiceSpec.builder("generator")
                .description("The generator: samples programs for a run's training problems with the newest checkpoint.")
                .config(CONFIG).producerOverrides().consumerOverrides();
        OLD_NAMES.forEach(b::renamed);
        return b.build();
    }

    private static Map<String, String> oldNames(String... keys) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : keys) m.put(key.substring(PREFIX.length()), key);
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Object> stringKeys(Map<?, ?> originals) {
        Map<String, Object> m = new LinkedHashMap<>();
        originals.forEach((k, v) -> m.put(String.valueOf(k), v));
        return m;
    }

    public String run() { return getString(RUN_CONFIG); }
    public Topics topics() { return Topics.forRun(run()); }
    public String bootstrapServers() { return getString(BOOTSTRAP_SERVERS_CONFIG); }
    public String schemaRegistryUrl() { return getString(SCHEMA_REGISTRY_URL_CONFIG); }
    public String generatorId() { return generatorId; }

    /** The checkpoint store, or null when any file: URI is accepted. */
    public Path checkpointStoreDir() {
        String dir = getString(CHECKPOINT_STORE_DIR_CONFIG);
        return dir.isBlank() ? null : Path.of(dir).toAbsolutePath().normalize();
    }

    public int samplesPerProblem() { return getInt(SAMPLES_PER_PROBLEM_CONFIG); }
    public float temperature() { return getDouble(TEMPERATURE_CONFIG).floatValue(); }
    public float topP() { return getDouble(TOP_P_CONFIG).floatValue(); }
    public int maxNewTokens() { return getInt(MAX_NEW_TOKENS_CONFIG); }
    public List<String> stopStrings() { return getList(STOP_STRINGS_CONFIG); }
    public long seed() { return getLong(SEED_CONFIG); }
    public int batchProblems() { return getInt(BATCH_PROBLEMS_CONFIG); }
    public int testsOnlyWeight() { return getInt(TESTS_ONLY_WEIGHT_CONFIG); }
    public List<String> problemsSplits() { return getList(PROBLEMS_SPLIT_CONFIG); }
    public long eventTimeTickMs() { return getLong(EVENT_TIME_TICK_MS_CONFIG); }
    public double rateLimitSamplesPerStep() { return getDouble(RATE_LIMIT_SAMPLES_PER_STEP_CONFIG); }
    public long rateLimitErrorBuffer() { return getLong(RATE_LIMIT_ERROR_BUFFER_CONFIG); }
    public long maxRounds() { return getLong(MAX_ROUNDS_CONFIG); }
    public long pollTimeoutMs() { return getLong(POLL_TIMEOUT_MS_CONFIG); }
    public long progressIntervalMs() { return getLong(PROGRESS_INTERVAL_MS_CONFIG); }

    /** Samples one full round publishes: batch.problems * (k + 1). */
    public int samplesPerRound() { return batchProblems() * (samplesPerProblem() + 1); }

    // ---- the Kafka clients: every one built from the whole configuration, so security settings reach them all ----

    /** The consumer that reads the checkpoints and the learner's steps. */
    public static final String CONTROL_CONSUMER = "control";
    /** The consumer that reads the high watermarks of the control topics at start ({@code Partitions.highWatermarks}). */
    public static final String ENDS_CONSUMER = "ends";
    /** The problems table's consumer. */
    public static final String PROBLEMS_CONSUMER = "problems";

    /** {@code rltf-generator-<run>-<generator id>}, and {@code -<purpose>} for a consumer. */
    public String clientId(String purpose) {
        String id = "rltf-generator-" + run() + "-" + generatorId;
        return purpose == null ? id : id + "-" + purpose;
    }

    /**
     * The generator's transactional.id, {@code rltf-generator-<run>-<generator id>}: a restarted generator fences its
     * older instance and aborts the round that was in flight. (With the default id, gen-<pid>, a crashed instance's
     * open round holds read_committed readers back until its transaction times out: give generators stable ids.)
     */
    public String transactionalId() { return clientId(null); }

    /**
     * The producer of samples: transactional (one transaction per round), acks=all; {@code producer.*} overrides
     * apply.
     */
    public Map<String, Object> producerConfigs() {
        return ClientConfigs.transactionalProducer(originals(), clientId(null), transactionalId(), Map.of(
                ProducerConfig.LINGER_MS_CONFIG, 5));
    }

    /** A read_committed consumer without a group for {@code purpose}; {@code consumer.*} overrides apply. */
    public Map<String, Object> consumerConfigs(String purpose) {
        return ClientConfigs.readCommittedConsumer(originals(), clientId(purpose));
    }
}
