package org.rltf.streams;

import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.rltf.kernel.Validators;

/**
 * How a graded sample becomes rewards (RLTF-METHOD.md sections 1-4). The defaults are the paper's values (plus a
 * cap on alpha); {@code reward.alpha.mode=one} reproduces the released code. Unknown keys are ignored, so a service can pass
 * its whole config.
 */
public final class RewardConfig extends AbstractConfig {
    public static final String PASS_CONFIG = "reward.pass";
    private static final String PASS_DOC = "Coarse reward of a program that passes every test (section 1).";

    public static final String FAILURE_CONFIG = "reward.failure";
    private static final String FAILURE_DOC = "Coarse reward of a program that ran cleanly but gave at least one wrong "
            + "answer (section 1). Also the low end of the adaptive reward.";

    public static final String RUNTIME_ERROR_CONFIG = "reward.runtime.error";
    private static final String RUNTIME_ERROR_DOC = "Coarse reward of a program with an exception, non-zero exit, kill "
            + "or timeout in some test (section 1).";

    public static final String SYNTAX_ERROR_CONFIG = "reward.syntax.error";
    private static final String SYNTAX_ERROR_DOC = "Coarse reward of a program that does not compile (section 1).";

    public static final String FINE_VALUE_CONFIG = "reward.fine.value";
    private static final String FINE_VALUE_DOC = "R_fine: the reward of each penalised token, on the error line's tokens "
            + "(U_line) or on every token (U_global) (section 2).";

    public static final String COARSE_ENABLED_CONFIG = "reward.coarse.enabled";
    private static final String COARSE_ENABLED_DOC = "Use the coarse reward of the outcome in R(W). When false R(W) is 0, "
            + "except for a FAILURE when the adaptive reward is enabled (ablation, section 4). The one switch of this "
            + "term: the buffer applies it to R(W), the baseline and the advantage, and the learner trains on those. "
            + "With reward.coarse.enabled, reward.adaptive.enabled and reward.fine.enabled all false the learner draws "
            + "no RL samples (supervised only).";

    public static final String ADAPTIVE_ENABLED_CONFIG = "reward.adaptive.enabled";
    private static final String ADAPTIVE_ENABLED_DOC = "For a FAILURE, replace the coarse reward by the adaptive one "
            + "reward.failure + (reward.pass - reward.failure) * passed / total, i.e. -0.3 + 1.3 * passed / total with "
            + "the defaults (section 3).";

    public static final String FINE_ENABLED_CONFIG = "reward.fine.enabled";
    private static final String FINE_ENABLED_DOC = "Add the fine-grained per-token penalty of the error's category "
            + "(section 2). When false no token is penalised (ablation).";

    public static final String ALPHA_MODE_CONFIG = "reward.alpha.mode";
    public static final String ALPHA_PAPER = "paper";
    public static final String ALPHA_ONE = "one";
    private static final String ALPHA_MODE_DOC = "Weight alpha of the fine reward: 'paper' = T / (E - S + 1) with T the "
            + "completion length and S..E the penalised tokens, capped at reward.alpha.max; 'one' = 1 as in the released "
            + "code (section 2). Reproducing the released code needs 'one': its learning rate was tuned with it.";

    public static final String ALPHA_MAX_CONFIG = "reward.alpha.max";
    private static final String ALPHA_MAX_DOC = "Cap on alpha in the 'paper' mode. Uncapped, alpha is 40 on a 3-token "
            + "error line of a 120-token program, so one line's tokens would get -12 each, far beyond the sequence-level "
            + "advantage |R(W) - b| <= 2 (section 2). The default 10 keeps a one-line penalty at most 10 * |reward.fine.value| "
            + "= 3 per token. Alpha is never below 1, so a cap of 1 is the released code's weighting.";

    public static final String NEGATIVE_SCALE_CONFIG = "reward.negative.scale";
    private static final String NEGATIVE_SCALE_DOC = "Multiplies every negative part of A_t (a sequence advantage "
            + "R(W) - b below 0, and the fine-grained penalty R_fine * alpha) before the learner sees it; 1 is the "
            + "paper's REINFORCE. Below 1 the update leans on the programs that did better than their baseline: pushing "
            + "down a sampled token spreads its probability over all the others, and on a small model from scratch that "
            + "raises the entropy until programs stop parsing (the lab measured this at 1). 0 keeps only the "
            + "above-baseline programs (advantage-filtered behaviour cloning).";

    public static final String BASELINE_CONFIG = "reward.baseline";
    public static final String BASELINE_GREEDY = "greedy";
    public static final String BASELINE_GROUP_MEAN = "group-mean";
    public static final String BASELINE_NONE = "none";
    private static final String BASELINE_DOC = "Baseline b(problem) subtracted from R(W) (section 4): 'greedy' = the "
            + "reward of the greedy-decoded program of the same problem (same policy version when it arrives in time, "
            + "else the latest older one, else 0); 'group-mean' = the mean reward of the other samples of the problem "
            + "under the same policy version; 'none' = 0.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(PASS_CONFIG, Type.DOUBLE, 1.0, Validators.finite(), Importance.MEDIUM, PASS_DOC)
            .define(FAILURE_CONFIG, Type.DOUBLE, -0.3, Validators.finite(), Importance.MEDIUM, FAILURE_DOC)
            .define(RUNTIME_ERROR_CONFIG, Type.DOUBLE, -0.6, Validators.finite(), Importance.MEDIUM, RUNTIME_ERROR_DOC)
            .define(SYNTAX_ERROR_CONFIG, Type.DOUBLE, -1.0, Validators.finite(), Importance.MEDIUM, SYNTAX_ERROR_DOC)
            .define(FINE_VALUE_CONFIG, Type.DOUBLE, -0.3, Validators.finite(), Importance.MEDIUM, FINE_VALUE_DOC)
            .define(COARSE_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, COARSE_ENABLED_DOC)
            .define(ADAPTIVE_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, ADAPTIVE_ENABLED_DOC)
            .define(FINE_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, FINE_ENABLED_DOC)
            .define(ALPHA_MODE_CONFIG, Type.STRING, ALPHA_PAPER, ValidString.in(ALPHA_PAPER, ALPHA_ONE),
                    Importance.MEDIUM, ALPHA_MODE_DOC)
            .define(ALPHA_MAX_CONFIG, Type.DOUBLE, 10.0, Validators.atLeast(1), Importance.MEDIUM, ALPHA_MAX_DOC)
            .define(NEGATIVE_SCALE_CONFIG, Type.DOUBLE, 1.0, Validators.between(0, 1), Importance.MEDIUM,
                    NEGATIVE_SCALE_DOC)
            .define(BASELINE_CONFIG, Type.STRING, BASELINE_GREEDY,
                    ValidString.in(BASELINE_GREEDY, BASELINE_GROUP_MEAN, BASELINE_NONE), Importance.HIGH, BASELINE_DOC);

    /** The paper's defaults. */
    public static final RewardConfig DEFAULTS = new RewardConfig(Map.of());

    public RewardConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    public float pass() { return getDouble(PASS_CONFIG).floatValue(); }
    public float failure() { return getDouble(FAILURE_CONFIG).floatValue(); }
    public float runtimeError() { return getDouble(RUNTIME_ERROR_CONFIG).floatValue(); }
    public float syntaxError() { return getDouble(SYNTAX_ERROR_CONFIG).floatValue(); }
    public float fineValue() { return getDouble(FINE_VALUE_CONFIG).floatValue(); }
    public boolean coarseEnabled() { return getBoolean(COARSE_ENABLED_CONFIG); }
    public boolean adaptiveEnabled() { return getBoolean(ADAPTIVE_ENABLED_CONFIG); }
    public boolean fineEnabled() { return getBoolean(FINE_ENABLED_CONFIG); }

    /** Whether the RL term of the loss can be non-zero: some reward switch is on. */
    public boolean rlEnabled() { return coarseEnabled() || adaptiveEnabled() || fineEnabled(); }
    public String alphaMode() { return getString(ALPHA_MODE_CONFIG); }
    public float alphaMax() { return getDouble(ALPHA_MAX_CONFIG).floatValue(); }
    public String baseline() { return getString(BASELINE_CONFIG); }
    public float negativeScale() { return getDouble(NEGATIVE_SCALE_CONFIG).floatValue(); }
}
