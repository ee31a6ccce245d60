package org.rltf.streams;

import java.util.List;
import java.util.Objects;

import org.rltf.events.BaselineSource;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.schemas.InvalidEventException;

/**
 * The rewards of RLTF-METHOD.md, sections 1-4, as pure functions of a sample, its feedback and a
 * {@link RewardConfig}. Nothing here reads a clock, a store or a random number: the same inputs always give the
 * same {@link Experience}, which is what lets a replay reproduce a run.
 *
 * <p>Input that cannot be rewarded (a SANDBOX_ERROR, feedback of another sample, per-token arrays that disagree,
 * passed/total or an error span out of range) is the event's fault and raises {@link InvalidEventException}, which
 * the buffer dead-letters; any other exception from here is a bug and stops the buffer.
 */
public final class Rewards {
    private Rewards() {}

    // ---- Section 1: coarse reward of the outcome --------------------------------------------------------------

    /** Coarse reward with the paper's values: PASS +1, FAILURE -0.3, RUNTIME_ERROR -0.6, SYNTAX_ERROR -1. */
    public static float coarse(Outcome outcome) {
        return coarse(outcome, RewardConfig.DEFAULTS);
    }

    /**
     * Coarse reward of {@code outcome}. SANDBOX_ERROR is the grader's own failure and never a reward
     * ({@link InvalidEventException}).
     */
    public static float coarse(Outcome outcome, RewardConfig config) {
        Objects.requireNonNull(outcome, "outcome");
        return switch (outcome) {
            case PASS -> config.pass();
            case FAILURE -> config.failure();
            case RUNTIME_ERROR -> config.runtimeError();
            case SYNTAX_ERROR -> config.syntaxError();
            case SANDBOX_ERROR -> throw new InvalidEventException(
                    "SANDBOX_ERROR is a grader failure, never a reward: the sample must be retried or dropped");
        };
    }

    // ---- Section 3: adaptive reward of a failure --------------------------------------------------------------

    /** Adaptive reward with the paper's values: -0.3 + 1.3 * passed / total. */
    public static float adaptive(int passed, int total) {
        return adaptive(passed, total, RewardConfig.DEFAULTS);
    }

    /**
     * R_adaptive = failure + (pass - failure) * passed / total, which is -0.3 + 1.3 * passed / total with the
     * defaults: it rises from the failure reward at no test passed towards the pass reward.
     */
    public static float adaptive(int passed, int total, RewardConfig config) {
        if (total <= 0 || passed < 0 || passed > total)
            throw new InvalidEventException("Adaptive reward needs 0 <= passed <= total and total > 0, got passed="
                    + passed + " total=" + total);
        double failure = config.failure();
        double pass = config.pass();
        return (float) (failure + (pass - failure) * passed / total);
    }

    /**
     * R(W), the sequence reward of section 4: the coarse reward, with the adaptive one in its place for a FAILURE
     * when adaptive is enabled. With coarse disabled (ablation) only that adaptive part remains, else 0.
     */
    public static float reward(Outcome outcome, int passed, int total, RewardConfig config) {
        float coarse = coarse(outcome, config); // rejects SANDBOX_ERROR
        if (outcome == Outcome.FAILURE && config.adaptiveEnabled()) return adaptive(passed, total, config);
        return config.coarseEnabled() ? coarse : 0f;
    }

    // ---- Section 2: fine-grained reward: which tokens, and their weight ---------------------------------------

    /**
     * The tokens of the error line: S = first token overlapping the line's character range
     * [{@code error_span_start}, {@code error_span_end}) in the completion, E = the last one. A token that straddles
     * the line's boundary overlaps it and counts. Uses the per-token character offsets recorded at generation (no
     * re-tokenisation). NONE when the feedback has no span (the error is not in the completion, e.g. in a
     * problem's code prefix) or no token overlaps it.
     */
    public static TokenSpan span(Sample sample, Feedback feedback) {
        validate(sample);
        Integer from = feedback.getErrorSpanStart();
        Integer to = feedback.getErrorSpanEnd();
        if (from == null || to == null) return TokenSpan.NONE;
        return span(sample.getTokenStarts(), sample.getTokenEnds(), from, to);
    }

    /** S..E of the tokens [starts[i], ends[i]) that overlap the character range [from, to). */
    public static TokenSpan span(List<Integer> starts, List<Integer> ends, int from, int to) {
        if (starts.size() != ends.size())
            throw new InvalidEventException("token_starts has " + starts.size() + " entries but token_ends has "
                    + ends.size());
        if (from < 0 || to < from)
            throw new InvalidEventException("Error span must satisfy 0 <= start <= end, got " + from + ".." + to);
        int first = -1;
        int last = -1;
        for (int t = 0; t < starts.size(); t++) {
            if (overlaps(starts.get(t), ends.get(t), from, to)) {
                if (first < 0) first = t;
                last = t;
            }
        }
        return first < 0 ? TokenSpan.NONE : new TokenSpan(first, last);
    }

    private static boolean overlaps(int tokenStart, int tokenEnd, int from, int to) {
        // A zero-width token (e.g. a special token) belongs to the line when it sits inside it.
        if (tokenEnd <= tokenStart) return tokenStart >= from && tokenStart < to;
        return tokenStart < to && tokenEnd > from;
    }

    /**
     * The penalised tokens by the error's category: U_LINE the error line's tokens ({@link #span}), U_GLOBAL every
     * token, U_IGNORE none; PASS and FAILURE never get a fine-grained penalty; none when fine is disabled.
     */
    public static TokenSpan fineSpan(Sample sample, Feedback feedback, RewardConfig config) {
        if (!config.fineEnabled()) return TokenSpan.NONE;
        Outcome outcome = feedback.getOutcome();
        if (outcome != Outcome.RUNTIME_ERROR && outcome != Outcome.SYNTAX_ERROR) return TokenSpan.NONE;
        ErrorCategory category = feedback.getErrorCategory();
        return switch (category) {
            case U_LINE -> span(sample, feedback);
            case U_GLOBAL -> TokenSpan.all(sample.getTokenIds().size());
            case U_IGNORE, NONE -> TokenSpan.NONE;
        };
    }

    /**
     * alpha: min(T / (E - S + 1), reward.alpha.max) in the paper's mode (T = completion tokens), so that a short
     * span weighs as much as the whole program, up to the cap; 1 in the released code's mode. 1 when no token is
     * penalised (the value is then unused).
     */
    public static float alpha(int completionTokens, TokenSpan span, RewardConfig config) {
        if (span.isNone() || RewardConfig.ALPHA_ONE.equals(config.alphaMode())) return 1f;
        if (span.end() >= completionTokens)
            throw new InvalidEventException("Token span " + span + " is outside a completion of " + completionTokens
                    + " tokens");
        return Math.min((float) completionTokens / span.length(), config.alphaMax());
    }

    // ---- Section 4: the advantage --------------------------------------------------------------------------

    /*
     *   A_t = (R(W) - b(problem)) + R_fine_t * alpha          R_fine_t = reward.fine.value on S..E, else 0
     *         `-- sequence_advantage  `-- fine_weight on S..E
     *
     * Each part counts reward.negative.scale of itself where it is below 0 (1 = the paper).
     *
     * The buffer computes both parts once, under the switches, and writes them into the Experience; the learner
     * turns A_t into loss weights A_t / N_rl and computes nothing else of its own.
     */

    /**
     * R(W) - b, the part of A_t every token shares, times reward.negative.scale when below 0. 0 when coarse and
     * adaptive are both off: the ablation then has no sequence-level term at all (R(W) and a greedy b are 0 anyway,
     * but a baseline of a run with other switches must not leak in).
     */
    public static float sequenceAdvantage(float reward, float baseline, RewardConfig config) {
        if (!config.coarseEnabled() && !config.adaptiveEnabled()) return 0f;
        return damped(reward - baseline, config);
    }

    /**
     * R_fine * alpha (times reward.negative.scale when below 0), what A_t adds on each penalised token; 0 when no
     * token is penalised (or fine is off).
     */
    public static float fineWeight(TokenSpan span, float alpha, RewardConfig config) {
        return span.isNone() ? 0f : damped(config.fineValue() * alpha, config);
    }

    // Asymmetric REINFORCE: a negative part of A_t counts reward.negative.scale of itself.
    private static float damped(float advantage, RewardConfig config) {
        return advantage < 0 ? advantage * config.negativeScale() : advantage;
    }

    /**
     * A_t = sequence_advantage + (fine_weight on S..E, else 0) for each completion token t of {@code e}: the one
     * place the per-token advantage is formed. The learner's loss is -sum_t A_t * log p(w_t | ...) / N_rl. An
     * event written before the buffer recorded the two parts reads them as reward - baseline and
     * fine_reward * alpha, which is what it was trained with then.
     */
    public static float[] advantages(Experience e) {
        int tokens = e.getTokenIds().size();
        float sequence = e.getSequenceAdvantage() != null ? e.getSequenceAdvantage() : e.getReward() - e.getBaseline();
        float fine = e.getFineWeight() != null ? e.getFineWeight() : e.getFineReward() * e.getAlpha();
        int from = e.getFineStartToken();
        int to = e.getFineEndToken();
        float[] a = new float[tokens];
        for (int t = 0; t < tokens; t++)
            a[t] = from >= 0 && t >= from && t <= to ? sequence + fine : sequence;
        return a;
    }

    // ---- The Experience --------------------------------------------------------------------------------------

    /**
     * The rewarded experience of a graded sample before its baseline is known: b = 0 from {@link BaselineSource#NONE}
     * (the final value for reward.baseline=none; the topology sets the others with {@link #withBaseline}).
     */
    public static Experience experience(Sample sample, Feedback feedback, RewardConfig config) {
        return experience(sample, feedback, 0f, BaselineSource.NONE, config);
    }

    /**
     * The rewarded experience of a graded sample, with baseline {@code baseline} from {@code source} already
     * decided by the caller (the topology: greedy, group mean or none). Throws {@link InvalidEventException} for
     * SANDBOX_ERROR (never a reward), for feedback of another sample, for passed/total out of range, and for a
     * sample whose per-token arrays disagree in length.
     */
    public static Experience experience(Sample sample, Feedback feedback, float baseline, BaselineSource source,
                                        RewardConfig config) {
        validate(sample);
        if (feedback.getOutcome() == Outcome.SANDBOX_ERROR)
            throw new InvalidEventException("Feedback of sample '" + feedback.getSampleId()
                    + "' is SANDBOX_ERROR: a grader failure is never a reward");
        if (!sample.getSampleId().equals(feedback.getSampleId()))
            throw new InvalidEventException("Feedback is for sample '" + feedback.getSampleId() + "', not '"
                    + sample.getSampleId() + "'");
        if (sample.getPolicyVersion() < 0)
            throw new InvalidEventException("Sample '" + sample.getSampleId() + "' has policy_version "
                    + sample.getPolicyVersion() + "; versions start at 0");
        checkBaseline(baseline, source);

        Outcome outcome = feedback.getOutcome();
        int passed = feedback.getPassed();
        int total = feedback.getTotal();
        if (passed < 0 || passed > total)
            throw new InvalidEventException("Feedback of sample '" + feedback.getSampleId() + "' has passed=" + passed
                    + " of total=" + total + ": needs 0 <= passed <= total");
        int tokens = sample.getTokenIds().size();
        float reward = reward(outcome, passed, total, config);
        TokenSpan span = fineSpan(sample, feedback, config);
        float alpha = alpha(tokens, span, config);
        return Experience.newBuilder()
                .setRun(sample.getRun())
                .setSampleId(sample.getSampleId())
                .setProblemId(sample.getProblemId())
                .setPolicyVersion(sample.getPolicyVersion())
                .setGreedy(sample.getGreedy())
                .setPromptTokenIds(sample.getPromptTokenIds())
                .setTokenIds(sample.getTokenIds())
                .setLogProbs(sample.getLogProbs())
                .setOutcome(outcome)
                .setErrorCategory(feedback.getErrorCategory())
                .setPassed(passed)
                .setTotal(total)
                .setRewardCoarse(coarse(outcome, config))
                // Recorded for every FAILURE so analytics can compare; R(W) uses it only when enabled.
                .setRewardAdaptive(outcome == Outcome.FAILURE ? adaptive(passed, total, config) : null)
                .setReward(reward)
                .setBaseline(baseline)
                .setBaselineMode(config.baseline())
                .setBaselineSource(source)
                .setSequenceAdvantage(sequenceAdvantage(reward, baseline, config))
                .setFineReward(span.isNone() ? 0f : config.fineValue())
                .setFineStartToken(span.start())
                .setFineEndToken(span.end())
                .setAlpha(alpha)
                .setFineWeight(fineWeight(span, alpha, config))
                .build();
    }

    /**
     * The same experience with baseline {@code baseline} from {@code source} (the topology decides b after the
     * join) and the sequence advantage that follows from it.
     */
    public static Experience withBaseline(Experience experience, float baseline, BaselineSource source,
                                          RewardConfig config) {
        checkBaseline(baseline, source);
        // A field-by-field shallow copy: Experience.newBuilder(experience) deep-copies the per-token arrays, which
        // was 5% of the buffer's stream thread in the pipeline bench's profile. Nothing mutates an event's lists, so
        // the two records may share them; the copy's three fields are its own.
        Experience out = new Experience();
        for (int i = 0; i < Experience.SCHEMA$.getFields().size(); i++) out.put(i, experience.get(i));
        out.setBaseline(baseline);
        out.setBaselineSource(source);
        out.setSequenceAdvantage(sequenceAdvantage(experience.getReward(), baseline, config));
        return out;
    }

    // The caller computed the baseline: a bad one is a bug, not bad data.
    private static void checkBaseline(float baseline, BaselineSource source) {
        if (!Float.isFinite(baseline)) throw new IllegalArgumentException("Baseline must be finite, got " + baseline);
        if (source == null || source == BaselineSource.UNKNOWN)
            throw new IllegalArgumentException("The buffer must say where a baseline came from, got " + source);
        if (source == BaselineSource.NONE && baseline != 0f)
            throw new IllegalArgumentException("A missing baseline is 0, got " + baseline);
    }

    private static void validate(Sample sample) {
        int tokens = sample.getTokenIds().size();
        if (sample.getTokenStarts().size() != tokens || sample.getTokenEnds().size() != tokens
                || sample.getLogProbs().size() != tokens)
            throw new InvalidEventException("Sample '" + sample.getSampleId() + "' has " + tokens
                    + " token_ids but " + sample.getTokenStarts().size() + " token_starts, "
                    + sample.getTokenEnds().size() + " token_ends and " + sample.getLogProbs().size() + " log_probs");
    }
}
