package org.rltf.learner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.config.ConfigException;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.TrainerConfig;

/**
 * What a learner writes into each Checkpoint's {@code learner_config}: the settings that determine its optimizer
 * steps beyond the recorded batches, so {@link LearnerReplay} can redo them from the log alone. These are the
 * learner's keys that enter an update (the optimizer's hyper-parameters and schedule, the micro-batch size, which
 * orders the gradient sums, and the supervised references' token cut), the batch sizes and supervised switch for
 * the record, and the runtime the numbers came out of: the device and libtorch's thread counts (a CPU sum splits
 * its work by thread, so its last bits depend on the count).
 *
 * <p>Values are strings: doubles in Java's shortest round-trip form, so reading one back gives the same bits.
 */
public final class RecordedSettings {
    public static final String DEVICE = "runtime.device";
    public static final String THREADS = "runtime.threads";
    public static final String INTEROP_THREADS = "runtime.interop.threads";

    /** The learner keys recorded, in this order. */
    public static final List<String> KEYS = List.of(LearnerConfig.LR_CONFIG, LearnerConfig.WARMUP_STEPS_CONFIG,
            LearnerConfig.WEIGHT_DECAY_CONFIG, LearnerConfig.ADAM_BETA1_CONFIG, LearnerConfig.ADAM_BETA2_CONFIG,
            LearnerConfig.ADAM_EPS_CONFIG, LearnerConfig.GRAD_CLIP_CONFIG, LearnerConfig.SEED_CONFIG,
            LearnerConfig.MICRO_BATCH_CONFIG, LearnerConfig.SL_MAX_TOKENS_CONFIG, LearnerConfig.RL_BATCH_CONFIG,
            LearnerConfig.SL_BATCH_CONFIG, LearnerConfig.LOSS_SUPERVISED_CONFIG, LearnerConfig.RL_WEIGHT_CONFIG,
            LearnerConfig.RL_SUCCESS_SHARE_CONFIG, LearnerConfig.RL_DRAW_CONFIG);

    /** The keys a replay may override ({@code rltf replay -c key=value}): the ones that enter an update. */
    public static final Set<String> OVERRIDABLE = Set.of(LearnerConfig.LR_CONFIG, LearnerConfig.WARMUP_STEPS_CONFIG,
            LearnerConfig.WEIGHT_DECAY_CONFIG, LearnerConfig.ADAM_BETA1_CONFIG, LearnerConfig.ADAM_BETA2_CONFIG,
            LearnerConfig.ADAM_EPS_CONFIG, LearnerConfig.GRAD_CLIP_CONFIG, LearnerConfig.MICRO_BATCH_CONFIG,
            LearnerConfig.SL_MAX_TOKENS_CONFIG, LearnerConfig.RL_WEIGHT_CONFIG, THREADS);

    private final Map<String, String> values;

    private RecordedSettings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The settings of a learner with {@code config}, on the runtime of this process. */
    static Map<String, String> of(LearnerConfig config) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : KEYS) {
            Object v = config.values().get(key);
            m.put(key, v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(v));
        }
        m.put(DEVICE, PolicyRuntime.defaultDevice().toString());
        m.put(THREADS, String.valueOf(PolicyRuntime.threads()));
        m.put(INTEROP_THREADS, String.valueOf(PolicyRuntime.interopThreads()));
        return m;
    }

    /**
     * The settings a Checkpoint recorded, with {@code overrides} (keys of {@link #OVERRIDABLE}) in place; a
     * {@link ConfigException} names a key that is missing (the run predates recorded settings) or cannot be
     * overridden.
     */
    public static RecordedSettings read(Map<String, String> recorded, Map<String, String> overrides) {
        if (recorded.isEmpty())
            throw new ConfigException("the checkpoint records no learner_config: its run was written before checkpoints "
                    + "recorded the learner's settings, so it cannot be replayed from its log");
        for (String key : overrides.keySet())
            if (!OVERRIDABLE.contains(key))
                throw new ConfigException(key, overrides.get(key), "a replay can override only " + new TreeSet<>(OVERRIDABLE));
        Map<String, String> m = new LinkedHashMap<>(recorded);
        m.putAll(overrides);
        return new RecordedSettings(m);
    }

    public Map<String, String> values() { return values; }

    private String require(String key) {
        String v = values.get(key);
        if (v == null) throw new ConfigException("the checkpoint's learner_config has no " + key);
        return v;
    }

    private double d(String key) {
        try {
            return Double.parseDouble(require(key));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, values.get(key), "not a number");
        }
    }

    private int i(String key) {
        try {
            return Integer.parseInt(require(key));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, values.get(key), "not an integer");
        }
    }

    /** The optimizer's settings, as the learner built them ({@link LearnerConfig#trainer()}). */
    public TrainerConfig trainer() {
        return new TrainerConfig(d(LearnerConfig.LR_CONFIG), d(LearnerConfig.WEIGHT_DECAY_CONFIG),
                d(LearnerConfig.ADAM_BETA1_CONFIG), d(LearnerConfig.ADAM_BETA2_CONFIG), d(LearnerConfig.ADAM_EPS_CONFIG),
                i(LearnerConfig.WARMUP_STEPS_CONFIG), d(LearnerConfig.GRAD_CLIP_CONFIG),
                Long.parseLong(require(LearnerConfig.SEED_CONFIG)));
    }

    public int microBatch() { return i(LearnerConfig.MICRO_BATCH_CONFIG); }

    /** lambda; runs recorded before the key existed trained with 1. */
    public double rlWeight() {
        return values.containsKey(LearnerConfig.RL_WEIGHT_CONFIG) ? d(LearnerConfig.RL_WEIGHT_CONFIG) : 1.0;
    }

    public int slMaxTokens() { return i(LearnerConfig.SL_MAX_TOKENS_CONFIG); }

    public int threads() { return i(THREADS); }

    public String device() { return values.getOrDefault(DEVICE, "?"); }

    /** Whether the settings that enter an update are the same as {@code other}'s (the runtime aside). */
    public boolean sameUpdateAs(RecordedSettings other) {
        for (String key : OVERRIDABLE)
            if (!key.equals(THREADS) && !Objects.equals(values.get(key), other.values.get(key))) return false;
        return trainer().equals(other.trainer());
    }
}
