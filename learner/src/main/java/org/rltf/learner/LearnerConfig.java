package org.rltf.learner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
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
import org.apache.kafka.streams.StreamsConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.kernel.Validators;
import org.rltf.policy.TrainerConfig;
import org.rltf.schemas.Topics;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.RewardConfig;

/**
 * Configuration of {@link LearnerService}. Keys are defined once here with documentation, defaults and validators;
 * a bad value fails at start-up with a {@link ConfigException} naming the key, and so does a key the learner does not
 * read ({@link ConfigContract}: the error names the nearest valid key). The learner's own keys carry the
 * {@code learner.} prefix; their old unprefixed names ({@code steps}, {@code rl.batch}, ...) are still accepted with
 * a deprecation warning, and so are the removed {@code loss.coarse.enabled}, {@code loss.adaptive.enabled} and
 * {@code loss.fine.enabled}, as the buffer's {@code reward.*.enabled} switches that replaced them.
 *
 * <p>The same map configures the embedded online buffer ({@code buffer.*}, see {@link BufferConfig}) and its
 * rewards ({@code reward.*}, see {@link RewardConfig}). Kafka client keys given at the top level
 * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...) reach every client the learner opens, the buffer's
 * Kafka Streams included; keys prefixed {@code producer.}, {@code consumer.} and {@code streams.} go to that client
 * only.
 *
 * <p>The defaults are the paper's (RLTF-METHOD.md section 7) where it gives one: lr 2e-6, weight decay 0.05, clip
 * 1.0, 500 warm-up steps, a checkpoint every 50 steps, at most 512 reference tokens.
 */
public final class LearnerConfig extends AbstractConfig {
    /** The prefix of the learner's own keys. */
    public static final String PREFIX = "learner.";

    public static final String RUN_CONFIG = RunConfig.RUN_CONFIG;
    private static final String RUN_DOC = "The run: the learner reads rltf.<run>.problems, .samples and .feedback (through "
            + "its embedded buffer) and .checkpoints, and writes .experience (the buffer), .checkpoints and .learner-steps.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = RunConfig.BOOTSTRAP_SERVERS_CONFIG;

    public static final String SCHEMA_REGISTRY_URL_CONFIG = RunConfig.SCHEMA_REGISTRY_URL_CONFIG;

    public static final String CHECKPOINT_STORE_DIR_CONFIG = "learner.checkpoint.store.dir";
    private static final String CHECKPOINT_STORE_DIR_DOC = "The checkpoint store: checkpoint v<N> of the run is written to "
            + "<dir>/<run>/v<N> (weights, config, tokenizer, optimizer state and manifest) and announced by its file: URI. "
            + "Generators must see the same files (a shared volume when they run elsewhere).";

    public static final String STEPS_CONFIG = "learner.steps";
    private static final String STEPS_DOC = "The learner stops after this optimizer step (counted over restarts), having "
            + "written a checkpoint at it.";

    public static final String CHECKPOINT_INTERVAL_CONFIG = "learner.checkpoint.interval";
    private static final String CHECKPOINT_INTERVAL_DOC = "K: a checkpoint every K optimizer steps (paper: 50). The steps "
            + "of one period and the checkpoint that closes it commit in one Kafka transaction, so LearnerStep events become "
            + "visible to read_committed readers once per period, and a crash loses at most the period in hand, which the "
            + "restarted learner redoes from the last checkpoint.";

    public static final String RL_BATCH_CONFIG = "learner.rl.batch";
    private static final String RL_BATCH_DOC = "RL sequences per optimizer step, drawn uniformly without replacement from "
            + "the current buffer snapshot (all of it when it holds fewer).";

    public static final String SL_BATCH_CONFIG = "learner.sl.batch";
    private static final String SL_BATCH_DOC = "Supervised sequences (reference solutions) per optimizer step.";

    public static final String MICRO_BATCH_CONFIG = "learner.micro.batch";
    private static final String MICRO_BATCH_DOC = "Most sequences in one forward/backward pass. Gradients of all micro-batches "
            + "of a step add up before the one optimizer step; the loss normalisation is over the whole step, so the "
            + "micro-batch size changes memory use, not the result (up to floating-point order).";

    public static final String SL_MAX_TOKENS_CONFIG = "learner.sl.max.tokens";
    private static final String SL_MAX_TOKENS_DOC = "Most tokens of a reference solution, its eos included, in the "
            + "supervised term (the end is cut; paper: 512). References are tokenised as the supervised warm-up's are "
            + "(ReferenceExamples): the prompt keeps its last tokens, at least a quarter of the model's context, and the "
            + "solution is cut further when both do not fit.";

    public static final String LR_CONFIG = "learner.lr";
    private static final String LR_DOC = "Peak learning rate of AdamW (paper: 2e-6 for RL of a pre-trained model; a model "
            + "trained from scratch needs far more).";

    public static final String WARMUP_STEPS_CONFIG = "learner.warmup.steps";
    private static final String WARMUP_STEPS_DOC = "Linear learning-rate warm-up steps (paper: 500).";

    public static final String GRAD_CLIP_CONFIG = "learner.grad.clip";
    private static final String GRAD_CLIP_DOC = "Global gradient-norm clip; 0 disables it (paper: 1.0).";

    public static final String WEIGHT_DECAY_CONFIG = "learner.weight.decay";
    private static final String WEIGHT_DECAY_DOC = "AdamW decoupled weight decay (paper: 0.05).";

    public static final String ADAM_BETA1_CONFIG = "learner.adam.beta1";
    public static final String ADAM_BETA2_CONFIG = "learner.adam.beta2";
    public static final String ADAM_EPS_CONFIG = "learner.adam.eps";

    public static final String SEED_CONFIG = "learner.seed";
    private static final String SEED_DOC = "Run seed: the initial weights of version 0 and each step's batch draw "
            + "(seed of step s = a hash of this and s, recorded in its LearnerStep).";

    // The RL ablations are the buffer's switches (reward.coarse.enabled, reward.adaptive.enabled,
    // reward.fine.enabled in RewardConfig): it computes R(W), b and A_t under them and the loss only reads A_t.
    // The learner's loss.*.enabled keys that once switched them are accepted as those (OLD_NAMES).
    public static final String LOSS_SUPERVISED_CONFIG = "learner.loss.supervised.enabled";
    private static final String LOSS_SUPERVISED_DOC = "Ablation: the supervised term on reference solutions. Needs "
            + "training problems with reference solutions. The RL term's ablations are the buffer's "
            + RewardConfig.COARSE_ENABLED_CONFIG + ", " + RewardConfig.ADAPTIVE_ENABLED_CONFIG + " and "
            + RewardConfig.FINE_ENABLED_CONFIG + "; with all three false the learner draws no RL samples.";

    public static final String RL_WEIGHT_CONFIG = "learner.rl.weight";
    private static final String RL_WEIGHT_DOC = "lambda in L = lambda * L_rl + L_sl: the weight of the RL term against the "
            + "supervised one in each optimizer step (1: the paper's plain sum).";

    public static final String RL_SUCCESS_SHARE_CONFIG = "learner.rl.success.share";
    private static final String RL_SUCCESS_SHARE_DOC = "Self-imitation (not in the paper; 0, the default, is the paper's "
            + "method): this share of each step's RL batch is drawn from the passing programs with a positive advantage "
            + "seen so far on problems without a reference that the supervised term trains on (one program per problem, "
            + "problems drawn uniformly), the rest from the buffer snapshot as usual. On problems with tests but no "
            + "reference a pass is the only correct solution the learner sees, and the window's uniform draw trains on "
            + "each less than once; this keeps imitating it. Off-policy by design; the pool is not persisted (a "
            + "restarted learner fills it again from its snapshots), and replay reproduces the steps from their recorded "
            + "sample ids.";

    public static final String RL_SUCCESS_PER_PROBLEM_CONFIG = "learner.rl.success.per.problem";
    private static final String RL_SUCCESS_PER_PROBLEM_DOC = "Most distinct passing programs kept per problem for "
            + RL_SUCCESS_SHARE_CONFIG + " (the newest).";

    public static final String RL_DRAW_CONFIG = "learner.rl.draw";
    public static final String RL_DRAW_UNIFORM = "uniform";
    public static final String RL_DRAW_SIGNAL = "signal";
    private static final String RL_DRAW_DOC = "Which buffer experiences the RL batch is drawn from, uniformly: '"
            + RL_DRAW_UNIFORM + "' (the default, the paper's) = every usable one; '" + RL_DRAW_SIGNAL + "' = only those "
            + "whose advantage A_t is non-zero on some token. An experience with A_t = 0 on every token adds nothing to "
            + "the gradient, but takes a place in the batch, its forward and backward pass, and its tokens in N_rl; "
            + "with " + RewardConfig.NEGATIVE_SCALE_CONFIG + " 0 that is every program at or below its baseline, most of "
            + "the buffer. Drawing from the others trains on more of the programs that beat their baseline per step, and "
            + "weighs the RL term by them alone (as if lambda were raised by the share dropped). Replay reproduces the "
            + "steps from their recorded sample ids either way.";

    public static final String PROBLEMS_SPLIT_CONFIG = "learner.problems.split";
    private static final String PROBLEMS_SPLIT_DOC = "Splits of the problems topic whose reference solutions feed the "
            + "supervised term.";

    public static final String MODEL_PRESET_CONFIG = "learner.model.preset";
    private static final String MODEL_PRESET_DOC = "Shape of a fresh version-0 model: tiny, small or base (see ModelConfig). "
            + "Unused when " + LearnerConfig.INIT_CHECKPOINT_CONFIG + " is set or the run already has a checkpoint.";

    public static final String TOKENIZER_CONFIG = "learner.tokenizer";
    private static final String TOKENIZER_DOC = "Tokenizer of a fresh version-0 model: 'bytes', or the path of a Hugging "
            + "Face tokenizer.json.";

    public static final String INIT_CHECKPOINT_CONFIG = "learner.init.checkpoint";
    private static final String INIT_CHECKPOINT_DOC = "A checkpoint directory (e.g. after supervised fine-tuning) whose "
            + "weights become version 0 when the run has no checkpoint yet. Empty: fresh weights from " + MODEL_PRESET_CONFIG
            + " and " + SEED_CONFIG + ".";

    public static final String RUN_EPOCH_MS_CONFIG = "learner.run.epoch.ms";
    private static final String RUN_EPOCH_MS_DOC = "Event time of the run's first event, the version-0 checkpoint; every "
            + "later learner timestamp derives from it and from the samples' event times (never the wall clock). -1: the "
            + "wall clock when the learner first starts the run, read once and recorded in that event.";

    public static final String TRANSACTIONAL_ID_PREFIX_CONFIG = "learner.transactional.id.prefix";
    private static final String TRANSACTIONAL_ID_PREFIX_DOC = "Prefix of the learner's transactional.id "
            + "(<prefix>.<run>). One learner per run: a restarted learner fences the old one and aborts its open period.";

    public static final String TRANSACTION_TIMEOUT_MS_CONFIG = "learner.transaction.timeout.ms";
    private static final String TRANSACTION_TIMEOUT_MS_DOC = "The producer's transaction.timeout.ms. A checkpoint period "
            + "is sent and committed in one transaction just after its checkpoint is saved, so the transaction stays "
            + "open for about as long as the sends take; the broker caps this at its transaction.max.timeout.ms (15 "
            + "minutes by default). When a commit takes longer the broker aborts it and the learner redoes the period "
            + "from the last checkpoint.";

    public static final String BUFFER_STATE_DIR_CONFIG = "learner.buffer.state.dir";
    private static final String BUFFER_STATE_DIR_DOC = "Kafka Streams state directory of the embedded buffer (its "
            + "RocksDB stores, rebuilt from their changelog topics when missing). Empty: <" + CHECKPOINT_STORE_DIR_CONFIG
            + ">/<run>/buffer-state. The same directory is reused when the learner restarts, so only the changelog's "
            + "tail is restored, and a killed learner leaves nothing behind elsewhere; the learner never deletes it. "
            + "Delete it with the run's checkpoints (rm -r <store>/<run>), or any time no learner of the run is running "
            + "to reclaim the space (the next start restores the store from the changelog). Set it to a local disk when "
            + "the checkpoint store is a network volume: RocksDB is slow there.";

    public static final String BUFFER_POLL_MS_CONFIG = "learner.buffer.poll.ms";
    private static final String BUFFER_POLL_MS_DOC = "How often the learner looks again while it waits for the buffer "
            + "(" + BufferConfig.MIN_FILL_CONFIG + ", or a snapshot with no usable sample), and polls the checkpoints "
            + "topic at start.";

    public static final String PROGRESS_INTERVAL_MS_CONFIG = "learner.progress.interval.ms";
    private static final String PROGRESS_INTERVAL_MS_DOC = "How often waiting is logged.";

    private static final ConfigDef.Validator NON_EMPTY_LIST = Validators.described("a non-empty list of split names",
            (name, value) -> {
                if (value == null || ((List<?>) value).isEmpty())
                    throw new ConfigException(name, value, "name at least one split");
            });

    public static final ConfigDef CONFIG = RunConfig.define(RUN_DOC)
            .define(CHECKPOINT_STORE_DIR_CONFIG, Type.STRING, "checkpoints", new ConfigDef.NonEmptyString(),
                    Importance.HIGH, CHECKPOINT_STORE_DIR_DOC)
            .define(STEPS_CONFIG, Type.LONG, 1000L, Range.atLeast(1), Importance.HIGH, STEPS_DOC)
            .define(CHECKPOINT_INTERVAL_CONFIG, Type.INT, 50, Range.atLeast(1), Importance.HIGH, CHECKPOINT_INTERVAL_DOC)
            .define(RL_BATCH_CONFIG, Type.INT, 8, Range.atLeast(1), Importance.HIGH, RL_BATCH_DOC)
            .define(SL_BATCH_CONFIG, Type.INT, 8, Range.atLeast(1), Importance.HIGH, SL_BATCH_DOC)
            .define(MICRO_BATCH_CONFIG, Type.INT, 8, Range.atLeast(1), Importance.MEDIUM, MICRO_BATCH_DOC)
            .define(SL_MAX_TOKENS_CONFIG, Type.INT, 512, Range.atLeast(1), Importance.MEDIUM, SL_MAX_TOKENS_DOC)
            .define(LR_CONFIG, Type.DOUBLE, 2e-6, Validators.greaterThan(0), Importance.HIGH, LR_DOC)
            .define(WARMUP_STEPS_CONFIG, Type.INT, 500, Range.atLeast(0), Importance.MEDIUM, WARMUP_STEPS_DOC)
            .define(GRAD_CLIP_CONFIG, Type.DOUBLE, 1.0, Validators.atLeast(0), Importance.MEDIUM, GRAD_CLIP_DOC)
            .define(WEIGHT_DECAY_CONFIG, Type.DOUBLE, 0.05, Validators.atLeast(0), Importance.MEDIUM, WEIGHT_DECAY_DOC)
            .define(ADAM_BETA1_CONFIG, Type.DOUBLE, 0.9, Validators.closedOpen(0, 1), Importance.LOW, "AdamW beta1.")
            .define(ADAM_BETA2_CONFIG, Type.DOUBLE, 0.999, Validators.closedOpen(0, 1), Importance.LOW, "AdamW beta2.")
            .define(ADAM_EPS_CONFIG, Type.DOUBLE, 1e-8, Validators.greaterThan(0), Importance.LOW, "AdamW epsilon.")
            .define(SEED_CONFIG, Type.LONG, 42L, Importance.MEDIUM, SEED_DOC)
            .define(LOSS_SUPERVISED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, LOSS_SUPERVISED_DOC)
            .define(RL_WEIGHT_CONFIG, Type.DOUBLE, 1.0, Validators.atLeast(0), Importance.MEDIUM, RL_WEIGHT_DOC)
            .define(RL_SUCCESS_SHARE_CONFIG, Type.DOUBLE, 0.0, Validators.between(0, 1), Importance.MEDIUM, RL_SUCCESS_SHARE_DOC)
            .define(RL_SUCCESS_PER_PROBLEM_CONFIG, Type.INT, 4, Range.atLeast(1), Importance.LOW,
                    RL_SUCCESS_PER_PROBLEM_DOC)
            .define(RL_DRAW_CONFIG, Type.STRING, RL_DRAW_UNIFORM, ConfigDef.ValidString.in(RL_DRAW_UNIFORM, RL_DRAW_SIGNAL),
                    Importance.MEDIUM, RL_DRAW_DOC)
            .define(PROBLEMS_SPLIT_CONFIG, Type.LIST, "train", NON_EMPTY_LIST, Importance.LOW, PROBLEMS_SPLIT_DOC)
            .define(MODEL_PRESET_CONFIG, Type.STRING, "tiny", ConfigDef.ValidString.in("tiny", "small", "base"),
                    Importance.MEDIUM, MODEL_PRESET_DOC)
            .define(TOKENIZER_CONFIG, Type.STRING, "bytes", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    TOKENIZER_DOC)
            .define(INIT_CHECKPOINT_CONFIG, Type.STRING, "", Importance.MEDIUM, INIT_CHECKPOINT_DOC)
            .define(RUN_EPOCH_MS_CONFIG, Type.LONG, -1L, Range.atLeast(-1), Importance.LOW, RUN_EPOCH_MS_DOC)
            .define(TRANSACTIONAL_ID_PREFIX_CONFIG, Type.STRING, "rltf-learner", new ConfigDef.NonEmptyString(),
                    Importance.LOW, TRANSACTIONAL_ID_PREFIX_DOC)
            .define(TRANSACTION_TIMEOUT_MS_CONFIG, Type.INT, 900_000, Range.atLeast(1000), Importance.MEDIUM,
                    TRANSACTION_TIMEOUT_MS_DOC)
            .define(BUFFER_STATE_DIR_CONFIG, Type.STRING, "", Importance.LOW, BUFFER_STATE_DIR_DOC)
            .define(BUFFER_POLL_MS_CONFIG, Type.LONG, 200L, Range.between(1, 60_000), Importance.LOW, BUFFER_POLL_MS_DOC)
            .define(PROGRESS_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    PROGRESS_INTERVAL_MS_DOC);

    /**
     * Old key name -> new name: the learner's keys before they had their prefix, and the learner's removed switches
     * of the RL terms, which are the buffer's reward switches now (the loss follows the advantages the buffer writes).
     */
    // The names these keys had before the learner.* prefix, accepted with a deprecation warning. A fixed list, as in
    // GeneratorConfig: a key added since (learner.rl.weight) never had another name.
    static final Map<String, String> OLD_NAMES = oldNames(CHECKPOINT_STORE_DIR_CONFIG, STEPS_CONFIG,
            CHECKPOINT_INTERVAL_CONFIG, RL_BATCH_CONFIG, SL_BATCH_CONFIG, MICRO_BATCH_CONFIG, SL_MAX_TOKENS_CONFIG,
            LR_CONFIG, WARMUP_STEPS_CONFIG, GRAD_CLIP_CONFIG, WEIGHT_DECAY_CONFIG, ADAM_BETA1_CONFIG, ADAM_BETA2_CONFIG,
            ADAM_EPS_CONFIG, SEED_CONFIG, LOSS_SUPERVISED_CONFIG, PROBLEMS_SPLIT_CONFIG, MODEL_PRESET_CONFIG,
            TOKENIZER_CONFIG, INIT_CHECKPOINT_CONFIG, RUN_EPOCH_MS_CONFIG, TRANSACTIONAL_ID_PREFIX_CONFIG,
            TRANSACTION_TIMEOUT_MS_CONFIG, BUFFER_STATE_DIR_CONFIG, BUFFER_POLL_MS_CONFIG, PROGRESS_INTERVAL_MS_CONFIG);

    /** The learner's keys with its embedded buffer's and rewards', for the config contract and help text. */
    public static final ServiceSpec SPEC = spec();

    private static Map<String, String> oldNames(String... keys) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : keys) m.put(key.substring(PREFIX.length()), key);
        m.put("loss.coarse.enabled", RewardConfig.COARSE_ENABLED_CONFIG);
        m.put("loss.adaptive.enabled", RewardConfig.ADAPTIVE_ENABLED_CONFIG);
        m.put("loss.fine.enabled", RewardConfig.FINE_ENABLED_CONFIG);
        return Collections.unmodifiableMap(m);
    }

    private static ServiceSpec spec() {
        ServiceSpec.Builder b = ServiceSpec.builder("learner")
                .description("The learner: supervised and RLTF updates from the online buffer, checkpoints and the step log.")
                .config(CONFIG).config(BufferConfig.CONFIG).config(RewardConfig.CONFIG)
                .producerOverrides().consumerOverrides()
                .clientPrefix(ClientConfigs.STREAMS_PREFIX, LearnerConfig::isStreamsKey);
        OLD_NAMES.forEach(b::renamed);
        return b.build();
    }

    /** A key Kafka Streams reads (its own, or a client's with Streams' client prefixes). */
    static boolean isStreamsKey(String key) {
        if (StreamsConfig.configDef().names().contains(key) || ClientConfigs.isCommonClientKey(key))
            return true;
        for (String prefix : List.of("main.consumer.", "restore.consumer.", "global.consumer.", "consumer.", "producer.",
                "admin.", "topic.")) if (key.startsWith(prefix)) return true;
        return false;
    }

    private final BufferConfig buffer;
    private final RewardConfig rewards;

    /**
     * Checks {@code originals} against {@link #SPEC} (an unknown key fails, naming it and the nearest valid one; an
     * old key name is taken under its new name with a warning), then parses and validates the values, the buffer's
     * and the rewards' included.
     */
    public LearnerConfig(Map<?, ?> originals) {
        super(CONFIG, ConfigContract.check(SPEC, stringKeys(originals)), false);
        this.buffer = new BufferConfig(originals());
        this.rewards = new RewardConfig(originals());
        if (!rlEnabled() && !supervisedEnabled())
            throw new ConfigException(LOSS_SUPERVISED_CONFIG, false, "every loss term is switched off ("
                    + RewardConfig.COARSE_ENABLED_CONFIG + ", " + RewardConfig.ADAPTIVE_ENABLED_CONFIG + ", "
                    + RewardConfig.FINE_ENABLED_CONFIG + " and " + LOSS_SUPERVISED_CONFIG + "): nothing to train");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> stringKeys(Map<?, ?> originals) {
        for (Object key : originals.keySet())
            if (!(key instanceof String)) throw new ConfigException("configuration key " + key + " is not a string");
        return (Map<String, ?>) originals;
    }

    public String run() { return getString(RUN_CONFIG); }
    public Topics topics() { return Topics.forRun(run()); }
    public String bootstrapServers() { return getString(BOOTSTRAP_SERVERS_CONFIG); }
    public String schemaRegistryUrl() { return getString(SCHEMA_REGISTRY_URL_CONFIG); }
    public Path checkpointStoreDir() { return Path.of(getString(CHECKPOINT_STORE_DIR_CONFIG)).toAbsolutePath().normalize(); }
    public long steps() { return getLong(STEPS_CONFIG); }
    public int checkpointInterval() { return getInt(CHECKPOINT_INTERVAL_CONFIG); }
    public int rlBatch() { return getInt(RL_BATCH_CONFIG); }
    public int slBatch() { return getInt(SL_BATCH_CONFIG); }
    public int microBatch() { return getInt(MICRO_BATCH_CONFIG); }
    public int slMaxTokens() { return getInt(SL_MAX_TOKENS_CONFIG); }
    public long seed() { return getLong(SEED_CONFIG); }
    public List<String> problemsSplits() { return getList(PROBLEMS_SPLIT_CONFIG); }
    public String modelPreset() { return getString(MODEL_PRESET_CONFIG); }
    public String tokenizer() { return getString(TOKENIZER_CONFIG); }
    public String initCheckpoint() { return getString(INIT_CHECKPOINT_CONFIG); }
    public long runEpochMs() { return getLong(RUN_EPOCH_MS_CONFIG); }
    public int transactionTimeoutMs() { return getInt(TRANSACTION_TIMEOUT_MS_CONFIG); }

    /** The buffer's Streams state directory: {@value #BUFFER_STATE_DIR_CONFIG}, else {@code <store>/<run>/buffer-state}. */
    public Path bufferStateDir() {
        String dir = getString(BUFFER_STATE_DIR_CONFIG);
        return dir.isBlank() ? checkpointStoreDir().resolve(run()).resolve("buffer-state")
                : Path.of(dir).toAbsolutePath().normalize();
    }

    public long bufferPollMs() { return getLong(BUFFER_POLL_MS_CONFIG); }

    /** {@value RunConfig#STARTUP_TIMEOUT_MS_CONFIG}: how long each start-up wait on the cluster may take. */
    public Duration startupTimeout() { return Duration.ofMillis(getLong(RunConfig.STARTUP_TIMEOUT_MS_CONFIG)); }
    public long progressIntervalMs() { return getLong(PROGRESS_INTERVAL_MS_CONFIG); }

    public String transactionalId() {
        return getString(TRANSACTIONAL_ID_PREFIX_CONFIG) + "." + run();
    }

    public BufferConfig buffer() { return buffer; }

    /** The buffer's reward config, with the switches of the RL terms. */
    public RewardConfig rewards() { return rewards; }

    /** Whether the RL term is on: some reward switch is ({@link RewardConfig#rlEnabled}); else no RL draws. */
    public boolean rlEnabled() { return rewards.rlEnabled(); }

    /** lambda, the RL term's weight ({@value #RL_WEIGHT_CONFIG}). */
    public double rlWeight() { return getDouble(RL_WEIGHT_CONFIG); }

    /** The share of the RL batch drawn from passing programs ({@value #RL_SUCCESS_SHARE_CONFIG}); 0: off. */
    public double rlSuccessShare() { return getDouble(RL_SUCCESS_SHARE_CONFIG); }

    /** Passing programs kept per problem for self-imitation ({@value #RL_SUCCESS_PER_PROBLEM_CONFIG}). */
    public int rlSuccessPerProblem() { return getInt(RL_SUCCESS_PER_PROBLEM_CONFIG); }

    /** Whether the RL batch is drawn only from experiences with a non-zero advantage ({@value #RL_DRAW_CONFIG}). */
    public boolean rlDrawSignalOnly() { return RL_DRAW_SIGNAL.equals(getString(RL_DRAW_CONFIG)); }

    /** Whether the supervised term is on ({@value #LOSS_SUPERVISED_CONFIG}). */
    public boolean supervisedEnabled() { return getBoolean(LOSS_SUPERVISED_CONFIG); }

    public TrainerConfig trainer() {
        return new TrainerConfig(getDouble(LR_CONFIG), getDouble(WEIGHT_DECAY_CONFIG), getDouble(ADAM_BETA1_CONFIG),
                getDouble(ADAM_BETA2_CONFIG), getDouble(ADAM_EPS_CONFIG), getInt(WARMUP_STEPS_CONFIG),
                getDouble(GRAD_CLIP_CONFIG), seed());
    }

    // ---- the clients, each from the whole configuration (ClientConfigs): security keys reach every one ----------

    /** The client id of the learner's client for {@code purpose} (empty: the transactional producer). */
    public String clientId(String purpose) {
        return "rltf-learner-" + run() + (purpose.isEmpty() ? "" : "-" + purpose);
    }

    /** The transactional producer of checkpoint periods ({@code producer.*} overrides apply). */
    public Map<String, Object> producerConfigs() {
        return ClientConfigs.transactionalProducer(originals(), clientId(""), transactionalId(), Map.of(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs()));
    }

    /** A read_committed consumer without a group for {@code purpose} ("problems", "checkpoints"). */
    public Map<String, Object> consumerConfigs(String purpose) {
        return ClientConfigs.readCommittedConsumer(originals(), clientId(purpose));
    }

    /**
     * The embedded buffer's Kafka Streams config: bootstrap.servers and the common client keys (Streams hands them
     * to its own clients), the serde's keys, the state directory, then the {@code streams.*} overrides.
     */
    public Map<String, Object> streamsConfigs() {
        Map<String, Object> c = new HashMap<>();
        c.put(StreamsConfig.STATE_DIR_CONFIG, bufferStateDir().toString());
        c.putAll(ClientConfigs.common(originals()));
        c.putAll(ClientConfigs.serde(originals()));
        c.putAll(ClientConfigs.withPrefix(originals(), ClientConfigs.STREAMS_PREFIX));
        return c;
    }
}
