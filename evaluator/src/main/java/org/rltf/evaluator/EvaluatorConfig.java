package org.rltf.evaluator;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.kernel.Validators;
import org.rltf.schemas.Topics;

/**
 * Configuration of {@link EvaluatorService}: which checkpoints it evaluates, on which problems, how (the paper's
 * evaluation: n samples at temperature 0.6, top-p 0.95, pass@1 and pass@5, greedy pass@1 beside them), and the
 * sandbox it grades in ({@code grader.*}, see {@link GraderConfig}).
 */
public final class EvaluatorConfig extends AbstractConfig {

    private static final String RUN_DOC = "The run: the evaluator reads rltf.<run>.checkpoints (its own consumer group) "
            + "and .problems, and writes .evaluations (and .dead-letter).";

    public static final String GROUP_ID_CONFIG = "evaluator.group.id";
    private static final String GROUP_ID_DOC = "Consumer group on the checkpoints topic. Empty: rltf.<run>.evaluator. "
            + "A second evaluator with another group evaluates every checkpoint again (e.g. on another split).";

    public static final String SPLIT_CONFIG = "evaluator.split";
    private static final String SPLIT_DOC = "The split evaluated: the held-out problems, never trained on.";

    public static final String MAX_PROBLEMS_CONFIG = "evaluator.max.problems";
    private static final String MAX_PROBLEMS_DOC = "Evaluate on the first N problems of the split in id order; 0 = all.";

    public static final String N_CONFIG = "evaluator.n";
    private static final String N_DOC = "n: programs sampled per problem for the unbiased pass@k estimator.";

    public static final String K_CONFIG = "evaluator.k";
    private static final String K_DOC = "The k of each pass@k reported (each at most n).";

    public static final String TEMPERATURE_CONFIG = "evaluator.temperature";
    private static final String TEMPERATURE_DOC = "Sampling temperature of the n programs (paper: 0.6; MBPP: 1.2). A "
            + "greedy program per problem is evaluated besides them.";

    public static final String TOP_P_CONFIG = "evaluator.top.p";
    private static final String TOP_P_DOC = "Nucleus sampling threshold of the n programs (paper: 0.95).";

    public static final String MAX_NEW_TOKENS_CONFIG = "evaluator.max.new.tokens";
    private static final String MAX_NEW_TOKENS_DOC = "Most tokens per program; use the generator's value.";

    public static final String STOP_STRINGS_CONFIG = "evaluator.stop.strings";
    private static final String STOP_STRINGS_DOC = "Strings that end a program (besides eos); use the generator's value.";

    public static final String SEED_CONFIG = "evaluator.seed";
    private static final String SEED_DOC = "Seed of the sampled programs, the same for every checkpoint, so that two "
            + "checkpoints are compared on the same random draws.";

    public static final String BATCH_ROWS_CONFIG = "evaluator.batch.rows";
    private static final String BATCH_ROWS_DOC = "Most sequences sampled in one batch.";

    public static final String EVERY_VERSIONS_CONFIG = "evaluator.every.versions";
    private static final String EVERY_VERSIONS_DOC = "Evaluate checkpoint versions divisible by this (1 = every "
            + "checkpoint; version 0, the starting point, is evaluated unless evaluator.initial is false).";

    public static final String INITIAL_CONFIG = "evaluator.initial";
    private static final String INITIAL_DOC = "Evaluate version 0, the checkpoint the run starts from. False where it "
            + "was evaluated before the run: the lab evaluates its warm-up before the online phase (and caches that "
            + "with the warm-up), so that the evaluation does not share the cores with the RLTF arm's first steps, "
            + "whose wall time the supervised-only arm is given.";

    public static final String CHECKPOINT_STORE_DIR_CONFIG = "evaluator.checkpoint.store.dir";
    private static final String CHECKPOINT_STORE_DIR_DOC = "The checkpoint store as this machine sees it. When set, a "
            + "checkpoint event whose file: URI lies outside it is refused (dead-lettered). Empty: any file: URI.";

    public static final String RESULTS_DIR_CONFIG = "evaluator.results.dir";
    private static final String RESULTS_DIR_DOC = "When set, every program of each evaluation is written there as JSON "
            + "lines (v<version>.jsonl): problem, sample index (-1: greedy), outcome, tests passed, error, completion.";

    public static final String POLL_TIMEOUT_MS_CONFIG = "evaluator.poll.timeout.ms";
    private static final String POLL_TIMEOUT_MS_DOC = "How long one poll of the checkpoints topic waits.";

    private static final ConfigDef.Validator KS = Validators.described("a non-empty list of integers >= 1",
            (name, value) -> {
                List<?> ks = (List<?>) value;
                if (ks == null || ks.isEmpty()) throw new ConfigException(name, value, "name at least one k");
                for (Object k : ks) {
                    try {
                        if (Integer.parseInt(k.toString().trim()) < 1) throw new NumberFormatException();
                    } catch (NumberFormatException e) {
                        throw new ConfigException(name, value, "'" + k + "' is not an integer >= 1");
                    }
                }
            });

    public static final ConfigDef CONFIG = RunConfig.define(RUN_DOC)
            .define(GROUP_ID_CONFIG, Type.STRING, "", Importance.MEDIUM, GROUP_ID_DOC)
            .define(SPLIT_CONFIG, Type.STRING, "test", new ConfigDef.NonEmptyString(), Importance.HIGH, SPLIT_DOC)
            .define(MAX_PROBLEMS_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM, MAX_PROBLEMS_DOC)
            .define(N_CONFIG, Type.INT, 10, Range.between(1, 10_000), Importance.HIGH, N_DOC)
            .define(K_CONFIG, Type.LIST, "1,5", KS, Importance.HIGH, K_DOC)
            .define(TEMPERATURE_CONFIG, Type.DOUBLE, 0.6, Validators.greaterThan(0), Importance.HIGH, TEMPERATURE_DOC)
            .define(TOP_P_CONFIG, Type.DOUBLE, 0.95, Validators.openClosed(0, 1), Importance.MEDIUM, TOP_P_DOC)
            .define(MAX_NEW_TOKENS_CONFIG, Type.INT, 128, Range.atLeast(1), Importance.MEDIUM, MAX_NEW_TOKENS_DOC)
            .define(STOP_STRINGS_CONFIG, Type.LIST, "", Importance.LOW, STOP_STRINGS_DOC)
            .define(SEED_CONFIG, Type.LONG, 1234L, Range.between(0, (1L << 53) - 1), Importance.LOW, SEED_DOC)
            .define(BATCH_ROWS_CONFIG, Type.INT, 64, Range.atLeast(1), Importance.LOW, BATCH_ROWS_DOC)
            .define(EVERY_VERSIONS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM, EVERY_VERSIONS_DOC)
            .define(INITIAL_CONFIG, Type.BOOLEAN, true, Importance.LOW, INITIAL_DOC)
            .define(CHECKPOINT_STORE_DIR_CONFIG, Type.STRING, "", Importance.MEDIUM, CHECKPOINT_STORE_DIR_DOC)
            .define(RESULTS_DIR_CONFIG, Type.STRING, "", Importance.LOW, RESULTS_DIR_DOC)
            .define(POLL_TIMEOUT_MS_CONFIG, Type.LONG, 500L, Range.between(1, 60_000), Importance.LOW, POLL_TIMEOUT_MS_DOC);

    /** The evaluator's keys with its sandbox's, for the config contract and help text. */
    public static final ServiceSpec SPEC = ServiceSpec.builder("evaluator")
            .description("The evaluator: pass@k of each new checkpoint on the run's held-out problems, graded in the "
                    + "sandbox; publishes one Evaluation per checkpoint.")
            .config(CONFIG).config(GraderConfig.CONFIG).producerOverrides().consumerOverrides()
            .build();

    public EvaluatorConfig(Map<?, ?> originals) {
        super(CONFIG, ConfigContract.check(SPEC, stringKeys(originals)), false);
        new GraderConfig(originals()); // the sandbox's keys are validated before anything starts
        if (maxNewTokens() < 1) throw new ConfigException(MAX_NEW_TOKENS_CONFIG, maxNewTokens(), "must be >= 1");
        for (int k : ks())
            if (k > n()) throw new ConfigException(K_CONFIG, getList(K_CONFIG), "k=" + k + " exceeds " + N_CONFIG + "=" + n());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> stringKeys(Map<?, ?> originals) {
        return (Map<String, ?>) originals;
    }

    public String run() { return getString(RunConfig.RUN_CONFIG); }

    public Topics topics() { return Topics.forRun(run()); }

    public String groupId() {
        String g = getString(GROUP_ID_CONFIG);
        return g.isBlank() ? "rltf." + run() + ".evaluator" : g;
    }

    public String split() { return getString(SPLIT_CONFIG); }

    public int maxProblems() { return getInt(MAX_PROBLEMS_CONFIG); }

    public int n() { return getInt(N_CONFIG); }

    public List<Integer> ks() { return getList(K_CONFIG).stream().map(s -> Integer.parseInt(s.trim())).toList(); }

    public int maxNewTokens() { return getInt(MAX_NEW_TOKENS_CONFIG); }

    public int everyVersions() { return getInt(EVERY_VERSIONS_CONFIG); }

    public boolean evaluatesInitial() { return getBoolean(INITIAL_CONFIG); }

    public long pollTimeoutMs() { return getLong(POLL_TIMEOUT_MS_CONFIG); }

    public Path checkpointStoreDir() {
        String dir = getString(CHECKPOINT_STORE_DIR_CONFIG);
        return dir.isBlank() ? null : Path.of(dir).toAbsolutePath().normalize();
    }

    public Path resultsDir() {
        String dir = getString(RESULTS_DIR_CONFIG);
        return dir.isBlank() ? null : Path.of(dir);
    }

    public EvalSettings settings() {
        return new EvalSettings(n(), ks(), getDouble(TEMPERATURE_CONFIG).floatValue(),
                getDouble(TOP_P_CONFIG).floatValue(), maxNewTokens(), getList(STOP_STRINGS_CONFIG),
                getLong(SEED_CONFIG), getInt(BATCH_ROWS_CONFIG));
    }
}
