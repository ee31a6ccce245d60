package org.rltf.lab.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.rltf.evaluator.EvaluatorConfig;
import org.rltf.generator.GeneratorConfig;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.kernel.UnknownConfigException;
import org.rltf.learner.LearnerConfig;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.RewardConfig;

/**
 * Each service's configuration in a lab run, sized for a small CPU machine. Every service gets only the keys it
 * reads (the run keys, its own, the common client keys), so the services' config contracts hold in the lab as on a
 * cluster. A {@code -c key=value} override goes to every service whose keys include it; one that no service reads is
 * an error naming the nearest key of any service.
 */
public final class LabConfigs {
    private static final List<ServiceSpec> SPECS = List.of(GraderServiceConfig.SPEC, GeneratorConfig.SPEC,
            LearnerConfig.SPEC, EvaluatorConfig.SPEC);

    private final LabSettings s;
    private final Map<String, Object> cluster;

    /** {@code cluster}: bootstrap.servers, schema.registry.url and any common client keys. */
    public LabConfigs(LabSettings settings, Map<String, ?> cluster) {
        this.s = settings;
        this.cluster = new LinkedHashMap<>(cluster);
        checkOverrides(settings.overrides());
    }

    public LabSettings settings() { return s; }

    /** Fails on an override no service reads, naming the nearest key of any service. */
    static void checkOverrides(Map<String, String> overrides) {
        for (String key : overrides.keySet()) {
            if (SPECS.stream().anyMatch(spec -> ConfigContract.accepts(spec, key))) continue;
            String nearest = SPECS.stream().map(spec -> ConfigContract.nearest(spec, key))
                    .min(java.util.Comparator.comparingInt(k -> ConfigContract.editDistance(key, k))).orElse(null);
            throw new UnknownConfigException("lab", key, "-c", nearest);
        }
    }

    private Map<String, Object> base(String run) {
        Map<String, Object> m = new LinkedHashMap<>(cluster);
        m.put(RunConfig.RUN_CONFIG, run);
        return m;
    }

    private Map<String, Object> withOverrides(ServiceSpec spec, Map<String, Object> m) {
        s.overrides().forEach((k, v) -> {
            if (ConfigContract.accepts(spec, k)) m.put(k, v);
        });
        return m;
    }

    /**
     * Parses the configuration of every service the run will start, so that a bad recipe value (a flag such as
     * --rl-draw or --negative-scale, or a -c key=value) fails now, naming its key, and not after minutes of warm-up.
     * The warm-up checkpoint's path is not known yet; the learners are checked with a stand-in (they read it when they
     * start, not when parsed).
     */
    public void validate() {
        for (int i = 0; i < s.graders(); i++) new GraderServiceConfig(grader(i));
        new GeneratorConfig(generator());
        new EvaluatorConfig(evaluator());
        Path init = s.runDir().resolve("warm-up");
        new LearnerConfig(rltfLearner(init));
        if (s.compare()) new LearnerConfig(slOnlyLearner(init, s.runDir().resolve("sl-only"), s.steps()));
    }

    /** Grader instance {@code i} of the online phase. */
    public Map<String, Object> grader(int i) {
        Map<String, Object> m = base(s.run());
        m.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "grader-" + i);
        m.put(GraderConfig.ID_CONFIG, "grader-" + i);
        m.put(GraderConfig.PARALLELISM_CONFIG, 2);
        return withOverrides(GraderServiceConfig.SPEC, m);
    }

    /** The online phase's generator: k samples plus one greedy per problem, rate-limited to the learner. */
    public Map<String, Object> generator() {
        Map<String, Object> m = base(s.run());
        int round = s.batchProblems() * (s.samplesPerProblem() + 1);
        m.put(GeneratorConfig.GENERATOR_ID_CONFIG, "gen-0");
        m.put(GeneratorConfig.SEED_CONFIG, s.seed());
        m.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, s.checkpoints().toString());
        m.put(GeneratorConfig.PROBLEMS_SPLIT_CONFIG, "train");
        m.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, s.samplesPerProblem());
        m.put(GeneratorConfig.BATCH_PROBLEMS_CONFIG, s.batchProblems());
        m.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, s.maxNewTokens());
        m.put(GeneratorConfig.TEMPERATURE_CONFIG, s.temperature());
        m.put(GeneratorConfig.TESTS_ONLY_WEIGHT_CONFIG, s.testsOnlyWeight());
        // Two samples published per RL sample trained on; room for the buffer's minimum fill and a period.
        m.put(GeneratorConfig.RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, 2 * s.rlBatch());
        m.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, 2 * round + 2L * s.rlBatch() * s.checkpointInterval());
        return withOverrides(GeneratorConfig.SPEC, m);
    }

    /** The RLTF arm's learner, from the warm-up checkpoint {@code init}. */
    public Map<String, Object> rltfLearner(Path init) {
        Map<String, Object> m = learner(s.run(), s.checkpoints(), init, s.steps());
        int round = s.batchProblems() * (s.samplesPerProblem() + 1);
        m.put(BufferConfig.MIN_FILL_CONFIG, round);
        m.put(BufferConfig.MAX_POLICY_LAG_CONFIG, 2);
        m.put(BufferConfig.SNAPSHOT_INTERVAL_STEPS_CONFIG, s.checkpointInterval());
        m.put(BufferConfig.GROUP_SIZE_CONFIG, s.samplesPerProblem());
        m.put(RewardConfig.BASELINE_CONFIG, s.baseline());
        m.put(LearnerConfig.RL_WEIGHT_CONFIG, s.rlWeight());
        m.put(RewardConfig.NEGATIVE_SCALE_CONFIG, s.negativeScale());
        m.put(LearnerConfig.RL_SUCCESS_SHARE_CONFIG, s.selfImitation());
        m.put(LearnerConfig.RL_DRAW_CONFIG, s.rlDraw());
        // Event time counts samples (1 ms each): wait up to 2000 samples for a problem's greedy program.
        m.put(BufferConfig.BASELINE_WAIT_MS_CONFIG, 2000);
        return withOverrides(LearnerConfig.SPEC, m);
    }

    /**
     * The supervised-only arm's learner: the same warm-up checkpoint, optimizer, batch and schedule, every RL term
     * off; on its own run, so its checkpoints and steps are a run of their own.
     */
    public Map<String, Object> slOnlyLearner(Path init, Path store, long steps) {
        Map<String, Object> m = learner(s.slRun(), store, init, steps);
        m.put(RewardConfig.COARSE_ENABLED_CONFIG, false);
        m.put(RewardConfig.ADAPTIVE_ENABLED_CONFIG, false);
        m.put(RewardConfig.FINE_ENABLED_CONFIG, false);
        Map<String, Object> out = withOverrides(LearnerConfig.SPEC, m);
        // The arm is defined by these; an override must not turn RL back on.
        out.put(RewardConfig.COARSE_ENABLED_CONFIG, false);
        out.put(RewardConfig.ADAPTIVE_ENABLED_CONFIG, false);
        out.put(RewardConfig.FINE_ENABLED_CONFIG, false);
        out.put(LearnerConfig.LOSS_SUPERVISED_CONFIG, true);
        return out;
    }

    private Map<String, Object> learner(String run, Path store, Path init, long steps) {
        Map<String, Object> m = base(run);
        m.put(LearnerConfig.SEED_CONFIG, s.seed());
        m.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        m.put(LearnerConfig.PROBLEMS_SPLIT_CONFIG, "train");
        m.put(LearnerConfig.STEPS_CONFIG, steps);
        m.put(LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, s.checkpointInterval());
        m.put(LearnerConfig.MODEL_PRESET_CONFIG, s.preset());
        m.put(LearnerConfig.INIT_CHECKPOINT_CONFIG, init.toString());
        m.put(LearnerConfig.RL_BATCH_CONFIG, s.rlBatch());
        m.put(LearnerConfig.SL_BATCH_CONFIG, s.slBatch());
        m.put(LearnerConfig.MICRO_BATCH_CONFIG, Math.max(s.rlBatch(), s.slBatch()));
        m.put(LearnerConfig.LR_CONFIG, s.lr());
        m.put(LearnerConfig.WARMUP_STEPS_CONFIG, (int) Math.min(5, s.steps()));
        m.put(LearnerConfig.RUN_EPOCH_MS_CONFIG, s.epochMs());
        return m;
    }

    /** The evaluator of the online phase: the held-out split, every {@code evalEvery} versions. */
    public Map<String, Object> evaluator() {
        Map<String, Object> m = base(s.run());
        m.put(EvaluatorConfig.SPLIT_CONFIG, "test");
        m.put(EvaluatorConfig.N_CONFIG, s.evalN());
        m.put(EvaluatorConfig.K_CONFIG, s.evalN() >= 5 ? "1,5" : "1");
        m.put(EvaluatorConfig.MAX_NEW_TOKENS_CONFIG, s.maxNewTokens());
        m.put(EvaluatorConfig.EVERY_VERSIONS_CONFIG, s.evalEvery());
        m.put(EvaluatorConfig.INITIAL_CONFIG, false); // the lab evaluates its warm-up before the online phase
        m.put(EvaluatorConfig.CHECKPOINT_STORE_DIR_CONFIG, s.runDir().toString());
        m.put(EvaluatorConfig.RESULTS_DIR_CONFIG, s.evaluations().toString());
        m.put(GraderConfig.ID_CONFIG, "evaluator");
        m.put(GraderConfig.PARALLELISM_CONFIG, 2);
        return withOverrides(EvaluatorConfig.SPEC, m);
    }
}
