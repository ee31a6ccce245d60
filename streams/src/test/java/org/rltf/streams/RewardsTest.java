package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.rltf.streams.Events.feedback;
import static org.rltf.streams.Events.sample;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.events.BaselineSource;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.schemas.InvalidEventException;

/** RLTF-METHOD.md sections 1-4 against values worked out by hand. */
class RewardsTest {
    private static final float EPS = 1e-6f;
    private static final RewardConfig PAPER = RewardConfig.DEFAULTS;
    private static final RewardConfig ONE = new RewardConfig(Map.of(RewardConfig.ALPHA_MODE_CONFIG, "one"));

    // "def f(x):\n    return y\nprint(f(1))" in 10 tokens. Line 2, "    return y", is characters [10, 22).
    // Token 4 "\n   " = [9, 13) straddles its start, token 6 " y\n" = [20, 23) straddles its end: S = 4, E = 6.
    private static final Sample PROGRAM = sample("r", "s1", "p", 3, false,
            "def", " f", "(x", "):", "\n   ", " return", " y\n", "print", "(f", "(1))");
    private static final int LINE2_START = 10;
    private static final int LINE2_END = 22;

    @Test
    void coarseRewardOfEachOutcome() { // section 1
        assertThat(Rewards.coarse(Outcome.PASS)).isEqualTo(1.0f);
        assertThat(Rewards.coarse(Outcome.FAILURE)).isEqualTo(-0.3f);
        assertThat(Rewards.coarse(Outcome.RUNTIME_ERROR)).isEqualTo(-0.6f);
        assertThat(Rewards.coarse(Outcome.SYNTAX_ERROR)).isEqualTo(-1.0f);
        assertThatThrownBy(() -> Rewards.coarse(Outcome.SANDBOX_ERROR))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("never a reward");
    }

    @Test
    void adaptiveRewardOfAFailure() { // section 3: -0.3 + 1.3 * passed / total
        assertThat(Rewards.adaptive(0, 5)).isCloseTo(-0.3f, within(EPS));
        assertThat(Rewards.adaptive(1, 4)).isCloseTo(0.025f, within(EPS));
        assertThat(Rewards.adaptive(3, 4)).isCloseTo(0.675f, within(EPS));
        assertThat(Rewards.adaptive(2, 3)).isCloseTo(-0.3f + 1.3f * 2 / 3, within(EPS)); // 0.56667
        assertThatThrownBy(() -> Rewards.adaptive(1, 0)).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> Rewards.adaptive(5, 4)).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void sequenceRewardUsesAdaptiveForFailuresOnlyWhenEnabled() {
        Experience on = Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.FAILURE, 1, 4), PAPER);
        assertThat(on.getRewardCoarse()).isEqualTo(-0.3f);
        assertThat(on.getRewardAdaptive()).isCloseTo(0.025f, within(EPS));
        assertThat(on.getReward()).isCloseTo(0.025f, within(EPS));

        RewardConfig off = new RewardConfig(Map.of(RewardConfig.ADAPTIVE_ENABLED_CONFIG, "false"));
        Experience plain = Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.FAILURE, 1, 4), off);
        assertThat(plain.getReward()).isEqualTo(-0.3f);
        assertThat(plain.getRewardAdaptive()).isCloseTo(0.025f, within(EPS)); // recorded, not used

        Experience pass = Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.PASS, 4, 4), PAPER);
        assertThat(pass.getReward()).isEqualTo(1.0f);
        assertThat(pass.getRewardAdaptive()).isNull();

        // Ablation without the coarse reward: only the adaptive part of a failure is left.
        RewardConfig noCoarse = new RewardConfig(Map.of(RewardConfig.COARSE_ENABLED_CONFIG, false));
        assertThat(Rewards.reward(Outcome.RUNTIME_ERROR, 0, 4, noCoarse)).isEqualTo(0f);
        assertThat(Rewards.reward(Outcome.FAILURE, 1, 4, noCoarse)).isCloseTo(0.025f, within(EPS));
    }

    @Test
    void tokenSpanOfTheErrorLineFromPerTokenOffsets() { // section 2
        var line2 = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        assertThat(Rewards.span(PROGRAM, line2)).isEqualTo(new TokenSpan(4, 6));
        // Line 3 "print(f(1))" = [23, 34): tokens 7..9 exactly, the neighbour " y\n" ends at 23 and does not count.
        var line3 = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, 23, 34);
        assertThat(Rewards.span(PROGRAM, line3)).isEqualTo(new TokenSpan(7, 9));
        // Line 1 "def f(x):" = [0, 9): tokens 0..3; "\n   " starts at 9 and is outside.
        assertThat(Rewards.span(PROGRAM.getTokenStarts(), PROGRAM.getTokenEnds(), 0, 9)).isEqualTo(new TokenSpan(0, 3));
        // One character inside one token.
        assertThat(Rewards.span(PROGRAM.getTokenStarts(), PROGRAM.getTokenEnds(), 15, 16)).isEqualTo(new TokenSpan(5, 5));
        // The error is not in the completion (e.g. in the problem's code prefix): nothing to penalise.
        var outside = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, null, null);
        assertThat(Rewards.span(PROGRAM, outside)).isEqualTo(TokenSpan.NONE);
        assertThat(Rewards.span(PROGRAM.getTokenStarts(), PROGRAM.getTokenEnds(), 40, 50)).isEqualTo(TokenSpan.NONE);
        // A zero-width token (a special token) counts when it sits inside the line.
        assertThat(Rewards.span(List.of(0, 3, 3), List.of(3, 3, 6), 3, 6)).isEqualTo(new TokenSpan(1, 2));
    }

    @Test
    void uLineRuntimeErrorPenalisesTheLineWithPaperAlpha() {
        var f = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        Experience e = Rewards.experience(PROGRAM, f, PAPER);
        assertThat(e.getReward()).isEqualTo(-0.6f);
        assertThat(e.getFineReward()).isEqualTo(-0.3f);
        assertThat(e.getFineStartToken()).isEqualTo(4);
        assertThat(e.getFineEndToken()).isEqualTo(6);
        assertThat(e.getAlpha()).isCloseTo(10f / 3f, within(EPS)); // T / (E - S + 1) = 10 / 3
        // A_t = R - b + R_fine * alpha: -0.6 on the other tokens, -0.6 - 0.3 * 10/3 = -1.6 on tokens 4..6.
        assertThat(Rewards.advantages(e)).containsExactly(new float[] {
                -0.6f, -0.6f, -0.6f, -0.6f, -1.6f, -1.6f, -1.6f, -0.6f, -0.6f, -0.6f}, within(EPS));
    }

    @Test
    void uLineWithTheReleasedCodesAlphaOfOne() {
        var f = feedback(PROGRAM, Outcome.SYNTAX_ERROR, 0, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        Experience e = Rewards.experience(PROGRAM, f, ONE);
        assertThat(e.getReward()).isEqualTo(-1.0f);
        assertThat(e.getAlpha()).isEqualTo(1f);
        // -1 elsewhere, -1 - 0.3 on the line.
        assertThat(Rewards.advantages(e)).containsExactly(new float[] {
                -1f, -1f, -1f, -1f, -1.3f, -1.3f, -1.3f, -1f, -1f, -1f}, within(EPS));
        assertThat(Rewards.alpha(10, new TokenSpan(4, 6), PAPER)).isCloseTo(3.3333333f, within(EPS));
        assertThat(Rewards.alpha(10, new TokenSpan(4, 6), ONE)).isEqualTo(1f);
        assertThat(Rewards.alpha(10, TokenSpan.NONE, PAPER)).isEqualTo(1f);
    }

    @Test
    void paperAlphaIsCappedAtRewardAlphaMax() {
        // One token (character 5) of a 40-token program: T / (E - S + 1) = 40, above the default cap of 10.
        Sample s = sample("r", "long", "p", 0, false, 40);
        var f = feedback(s, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, 5, 6);
        Experience capped = Rewards.experience(s, f, PAPER);
        assertThat(capped.getFineStartToken()).isEqualTo(5);
        assertThat(capped.getFineEndToken()).isEqualTo(5);
        assertThat(PAPER.alphaMax()).isEqualTo(10f);
        assertThat(capped.getAlpha()).isEqualTo(10f);
        // -0.6 elsewhere, -0.6 - 0.3 * 10 = -3.6 on token 5.
        assertThat(Rewards.advantages(capped)[5]).isCloseTo(-3.6f, within(EPS));
        assertThat(Rewards.advantages(capped)[4]).isCloseTo(-0.6f, within(EPS));
        // A higher cap lets the paper's value through; below the cap nothing changes (10 / 3 above).
        RewardConfig high = new RewardConfig(Map.of(RewardConfig.ALPHA_MAX_CONFIG, 50));
        assertThat(Rewards.experience(s, f, high).getAlpha()).isEqualTo(40f);
        assertThat(Rewards.alpha(10, new TokenSpan(4, 6), PAPER)).isCloseTo(10f / 3f, within(EPS));
        // The released code's mode is 1 whatever the cap; a cap of 1 gives the same weighting in paper mode.
        assertThat(Rewards.experience(s, f, ONE).getAlpha()).isEqualTo(1f);
        RewardConfig one = new RewardConfig(Map.of(RewardConfig.ALPHA_MAX_CONFIG, "1"));
        assertThat(Rewards.experience(s, f, one).getAlpha()).isEqualTo(1f);
    }

    @Test
    void uGlobalPenalisesEveryToken() {
        Sample s = sample("r", "s2", "p", 0, false, 8); // T = 8
        var f = feedback(s, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_GLOBAL, null, null); // e.g. a timeout
        Experience paper = Rewards.experience(s, f, PAPER);
        assertThat(paper.getFineStartToken()).isEqualTo(0);
        assertThat(paper.getFineEndToken()).isEqualTo(7);
        assertThat(paper.getAlpha()).isEqualTo(1f); // T / T
        float[] expected = new float[8];
        java.util.Arrays.fill(expected, -0.6f - 0.3f);
        assertThat(Rewards.advantages(paper)).containsExactly(expected, within(EPS));
        assertThat(Rewards.advantages(Rewards.experience(s, f, ONE))).containsExactly(expected, within(EPS));
    }

    @Test
    void uIgnoreFailureAndPassGetNoFinePenalty() {
        var ignore = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_IGNORE, LINE2_START, LINE2_END);
        Experience e = Rewards.experience(PROGRAM, ignore, PAPER);
        assertThat(e.getFineReward()).isEqualTo(0f);
        assertThat(e.getFineStartToken()).isEqualTo(-1);
        assertThat(e.getFineEndToken()).isEqualTo(-1);
        assertThat(Rewards.advantages(e)).containsOnly(-0.6f);

        // A FAILURE or PASS never gets a fine penalty, whatever category a grader put on it.
        var failure = feedback(PROGRAM, Outcome.FAILURE, 2, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        Experience f = Rewards.experience(PROGRAM, failure, PAPER);
        assertThat(f.getFineStartToken()).isEqualTo(-1);
        assertThat(Rewards.advantages(f)).containsOnly(0.35f); // -0.3 + 1.3 * 2/4
        Experience p = Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.PASS, 4, 4), PAPER);
        assertThat(Rewards.advantages(p)).containsOnly(1f);

        // Fine rewards switched off (ablation).
        RewardConfig noFine = new RewardConfig(Map.of(RewardConfig.FINE_ENABLED_CONFIG, false));
        var line = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        assertThat(Rewards.advantages(Rewards.experience(PROGRAM, line, noFine))).containsOnly(-0.6f);
    }

    @Test
    void baselineIsSubtractedFromTheSequenceRewardOnly() { // section 4, for each baseline mode
        var f = feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, LINE2_START, LINE2_END);
        Map<String, BaselineSource> sources = Map.of("greedy", BaselineSource.GREEDY,
                "group-mean", BaselineSource.GROUP_MEAN, "none", BaselineSource.NONE);
        for (String mode : List.of("greedy", "group-mean", "none")) {
            RewardConfig config = new RewardConfig(Map.of(RewardConfig.BASELINE_CONFIG, mode));
            float b = mode.equals("none") ? 0f : 0.5f;
            Experience e = Rewards.experience(PROGRAM, f, b, sources.get(mode), config);
            assertThat(e.getBaselineMode()).isEqualTo(mode);
            assertThat(e.getBaseline()).isEqualTo(b);
            assertThat(e.getBaselineSource()).isEqualTo(sources.get(mode));
            // (-0.6 - b) elsewhere, (-0.6 - b) - 1.0 on tokens 4..6.
            float seq = -0.6f - b;
            assertThat(e.getSequenceAdvantage()).isCloseTo(seq, within(EPS));
            assertThat(e.getFineWeight()).isCloseTo(-1f, within(EPS)); // -0.3 * 10/3, whatever the baseline
            assertThat(Rewards.advantages(e)).containsExactly(new float[] {
                    seq, seq, seq, seq, seq - 1f, seq - 1f, seq - 1f, seq, seq, seq}, within(EPS));
        }
        // Before the topology decides, an experience has no baseline: 0 from NONE, advantage R(W).
        Experience joined = Rewards.experience(PROGRAM, f, PAPER);
        assertThat(joined.getBaselineSource()).isEqualTo(BaselineSource.NONE);
        assertThat(joined.getSequenceAdvantage()).isEqualTo(-0.6f);
        Experience rebased = Rewards.withBaseline(joined, 1f, BaselineSource.GREEDY, PAPER);
        assertThat(rebased.getBaselineSource()).isEqualTo(BaselineSource.GREEDY);
        assertThat(rebased.getSequenceAdvantage()).isCloseTo(-1.6f, within(EPS));
        assertThat(Rewards.advantages(rebased)[0]).isCloseTo(-1.6f, within(EPS));
        // Everything else is the joined experience's, which itself is left as it was.
        assertThat(rebased).isEqualTo(Experience.newBuilder(joined).setBaseline(1f).setBaselineSource(BaselineSource.GREEDY)
                .setSequenceAdvantage(rebased.getSequenceAdvantage()).build());
        assertThat(joined.getBaselineSource()).isEqualTo(BaselineSource.NONE);
        assertThat(joined.getSequenceAdvantage()).isEqualTo(-0.6f);
        // Where a baseline came from is the buffer's to say, and a missing one is 0: anything else is a bug.
        assertThatThrownBy(() -> Rewards.withBaseline(joined, 0.5f, BaselineSource.NONE, PAPER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rewards.withBaseline(joined, 0f, BaselineSource.UNKNOWN, PAPER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // Two experiences with a greedy baseline of -1 (a syntax error), worked out by hand:
    // A: FAILURE, 1 of 4 tests passed, 4 tokens, no fine span.
    // B: RUNTIME_ERROR on a line covering tokens 2..4 of 10 (U_line): alpha = 10 / 3.
    private static final Sample FOUR = sample("r", "a", "p", 0, false, 4);
    private static final Sample TEN = sample("r", "b", "p", 0, false, 10);

    private static Experience failureA(RewardConfig config) {
        return Rewards.experience(FOUR, feedback(FOUR, Outcome.FAILURE, 1, 4), -1f, BaselineSource.GREEDY, config);
    }

    private static Experience runtimeErrorB(RewardConfig config) {
        var f = feedback(TEN, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, 2, 5);
        return Rewards.experience(TEN, f, -1f, BaselineSource.GREEDY, config);
    }

    private static RewardConfig switches(boolean coarse, boolean adaptive, boolean fine) {
        return new RewardConfig(Map.of(RewardConfig.COARSE_ENABLED_CONFIG, coarse,
                RewardConfig.ADAPTIVE_ENABLED_CONFIG, adaptive, RewardConfig.FINE_ENABLED_CONFIG, fine));
    }

    @Test
    void advantagesWithEveryTermOn() {
        // A: R = R_adaptive = -0.3 + 1.3 * 1/4 = 0.025; A_t = 0.025 - (-1) = 1.025 on every token.
        assertThat(Rewards.advantages(failureA(PAPER))).containsExactly(filled(4, 1.025f), within(EPS));
        // B: R - b = -0.6 + 1 = 0.4; on S..E add R_fine * alpha = -0.3 * 10/3 = -1.0, so -0.6 there.
        Experience b = runtimeErrorB(PAPER);
        assertThat(b.getSequenceAdvantage()).isCloseTo(0.4f, within(EPS));
        assertThat(b.getFineWeight()).isCloseTo(-1f, within(EPS));
        assertThat(Rewards.advantages(b))
                .containsExactly(new float[] {0.4f, 0.4f, -0.6f, -0.6f, -0.6f, 0.4f, 0.4f, 0.4f, 0.4f, 0.4f}, within(EPS));
    }

    @Test
    void ablations() { // section 4: each switch off on its own, with the same given baseline
        // No fine term: B is 0.4 everywhere.
        RewardConfig noFine = switches(true, true, false);
        assertThat(Rewards.advantages(runtimeErrorB(noFine))).containsExactly(filled(10, 0.4f), within(EPS));
        assertThat(runtimeErrorB(noFine).getFineWeight()).isEqualTo(0f);
        // No adaptive: A's failure gets the coarse -0.3, so A_t = -0.3 + 1 = 0.7.
        RewardConfig noAdaptive = switches(true, false, true);
        assertThat(Rewards.advantages(failureA(noAdaptive))).containsExactly(filled(4, 0.7f), within(EPS));
        // No coarse, adaptive on: the failure keeps its adaptive reward; the runtime error's R(W) is 0.
        RewardConfig noCoarse = switches(false, true, true);
        assertThat(Rewards.advantages(failureA(noCoarse))).containsExactly(filled(4, 1.025f), within(EPS));
        assertThat(Rewards.advantages(runtimeErrorB(noCoarse))[0]).isCloseTo(1.0f, within(EPS));
        assertThat(Rewards.advantages(runtimeErrorB(noCoarse))[2]).isCloseTo(0.0f, within(EPS));
        // Fine only: no sequence term at all (not even -b), -1.0 on the error line.
        RewardConfig fineOnly = switches(false, false, true);
        assertThat(failureA(fineOnly).getSequenceAdvantage()).isEqualTo(0f);
        assertThat(Rewards.advantages(failureA(fineOnly))).containsExactly(filled(4, 0f), within(EPS));
        assertThat(Rewards.advantages(runtimeErrorB(fineOnly)))
                .containsExactly(new float[] {0, 0, -1f, -1f, -1f, 0, 0, 0, 0, 0}, within(EPS));
        // Supervised only: no RL term, so the learner draws no RL samples; were it to, every A_t would be 0.
        RewardConfig none = switches(false, false, false);
        assertThat(none.rlEnabled()).isFalse();
        assertThat(PAPER.rlEnabled()).isTrue();
        assertThat(fineOnly.rlEnabled()).isTrue();
        assertThat(Rewards.advantages(runtimeErrorB(none))).containsOnly(0f);
    }

    @Test
    void advantagesOfATwoLineProgramByHand() {
        // "x = 1\ny = z\n", one token per character; the NameError is on line 2 = characters [6, 12).
        Sample s = sample("r", "s", "p", 1, false, "x", " ", "=", " ", "1", "\n", "y", " ", "=", " ", "z", "\n");
        var f = feedback(s, Outcome.RUNTIME_ERROR, 0, 3, ErrorCategory.U_LINE, 6, 12);
        Experience e = Rewards.experience(s, f, -0.3f, BaselineSource.GREEDY, PAPER);
        // R - b = -0.6 + 0.3 = -0.3; the second line is tokens 6..11, alpha = 12 / 6 = 2, fine -0.3 * 2.
        assertThat(e.getFineStartToken()).isEqualTo(6);
        assertThat(e.getFineEndToken()).isEqualTo(11);
        assertThat(e.getAlpha()).isEqualTo(2f);
        assertThat(Rewards.advantages(e)[0]).isCloseTo(-0.3f, within(EPS));
        assertThat(Rewards.advantages(e)[6]).isCloseTo(-0.9f, within(EPS));
    }

    @Test
    void aNegativeScaleDampsOnlyTheNegativeParts() {
        RewardConfig half = new RewardConfig(Map.of(RewardConfig.NEGATIVE_SCALE_CONFIG, 0.5));
        // "x = 1\ny = z\n" as above, b = -0.3: R - b = -0.3 -> -0.15; fine -0.6 -> -0.3; so -0.45 on line 2.
        Sample s = sample("r", "s", "p", 1, false, "x", " ", "=", " ", "1", "\n", "y", " ", "=", " ", "z", "\n");
        var f = feedback(s, Outcome.RUNTIME_ERROR, 0, 3, ErrorCategory.U_LINE, 6, 12);
        Experience e = Rewards.experience(s, f, -0.3f, BaselineSource.GREEDY, half);
        assertThat(Rewards.advantages(e)[0]).isCloseTo(-0.15f, within(EPS));
        assertThat(Rewards.advantages(e)[6]).isCloseTo(-0.45f, within(EPS));
        // An above-baseline program keeps its advantage: B's R - b = 0.4, its line gets 0.4 - 0.5 * 1.0.
        Experience b = runtimeErrorB(new RewardConfig(Map.of(RewardConfig.NEGATIVE_SCALE_CONFIG, 0.5)));
        assertThat(b.getSequenceAdvantage()).isCloseTo(0.4f, within(EPS));
        assertThat(Rewards.advantages(b)[2]).isCloseTo(-0.1f, within(EPS));
        // 0: only above-baseline programs and no penalty anywhere.
        Experience none = Rewards.experience(s, f, -0.3f, BaselineSource.GREEDY,
                new RewardConfig(Map.of(RewardConfig.NEGATIVE_SCALE_CONFIG, 0.0)));
        assertThat(Rewards.advantages(none)).containsExactly(filled(12, 0f), within(EPS));
    }

    @Test
    void aNegativeScaleOutsideZeroToOneFailsNamingTheKey() {
        assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.NEGATIVE_SCALE_CONFIG, 1.5)))
                .hasMessageContaining(RewardConfig.NEGATIVE_SCALE_CONFIG);
    }

    @Test
    void anExperienceWrittenBeforeTheAdvantageFieldsReadsThemFromRewardBaselineAndAlpha() {
        // Schema evolution: events from before sequence_advantage/fine_weight existed have them null.
        Experience e = runtimeErrorB(PAPER);
        Experience old = Experience.newBuilder(e).setSequenceAdvantage(null).setFineWeight(null)
                .setBaselineSource(BaselineSource.UNKNOWN).build();
        assertThat(Rewards.advantages(old)).containsExactly(Rewards.advantages(e), within(EPS));
    }

    @Test
    void experienceCarriesTheSampleAndTheFeedback() {
        var f = feedback(PROGRAM, Outcome.FAILURE, 3, 4);
        Experience e = Rewards.experience(PROGRAM, f, PAPER);
        assertThat(e.getRun()).isEqualTo("r");
        assertThat(e.getSampleId()).isEqualTo("s1");
        assertThat(e.getProblemId()).isEqualTo("p");
        assertThat(e.getPolicyVersion()).isEqualTo(3);
        assertThat(e.getTokenIds()).isEqualTo(PROGRAM.getTokenIds());
        assertThat(e.getLogProbs()).isEqualTo(PROGRAM.getLogProbs());
        assertThat(e.getPromptTokenIds()).containsExactly(1, 2, 3);
        assertThat(e.getPassed()).isEqualTo(3);
        assertThat(e.getTotal()).isEqualTo(4);
        assertThat(e.getBaselineMode()).isEqualTo("greedy");
    }

    @Test
    void rejectsSandboxErrorsAndInconsistentInput() {
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.SANDBOX_ERROR, 0, 0), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("SANDBOX_ERROR");
        Sample other = sample("r", "other", "p", 3, false, 2);
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(other, Outcome.PASS, 1, 1), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("not 's1'");
        Sample broken = Sample.newBuilder(PROGRAM).setTokenEnds(List.of(1, 2)).build();
        assertThatThrownBy(() -> Rewards.experience(broken, feedback(broken, Outcome.PASS, 1, 1), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("token_ends");
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.FAILURE, 0, 0), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("total");
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.PASS, 5, 4), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("passed=5");
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.RUNTIME_ERROR, 0, 4,
                ErrorCategory.U_LINE, 12, 3), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("Error span");
        Sample unversioned = Sample.newBuilder(PROGRAM).setPolicyVersion(-1).build();
        assertThatThrownBy(() -> Rewards.experience(unversioned, feedback(unversioned, Outcome.PASS, 1, 1), PAPER))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("policy_version");
        // A baseline is computed by the buffer, not read from an event: a non-finite one is a bug, not bad data.
        assertThatThrownBy(() -> Rewards.experience(PROGRAM, feedback(PROGRAM, Outcome.PASS, 1, 1), Float.NaN,
                BaselineSource.GREEDY, PAPER))
                .isInstanceOf(IllegalArgumentException.class).isNotInstanceOf(InvalidEventException.class);
    }

    @Test
    void configsAreValidatedAtStartUpNamingTheKey() {
        assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.ALPHA_MODE_CONFIG, "half")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reward.alpha.mode");
        assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.BASELINE_CONFIG, "critic")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reward.baseline");
        assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.PASS_CONFIG, "NaN")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reward.pass");
        for (Object bad : List.of(0.5, "NaN", "Infinity"))
            assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.ALPHA_MAX_CONFIG, bad))).as("" + bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("reward.alpha.max");
        assertThat(RewardConfig.CONFIG.configKeys().get(RewardConfig.ALPHA_MAX_CONFIG).validator)
                .hasToString("a finite number >= 1");
        assertThatThrownBy(() -> new RewardConfig(Map.of(RewardConfig.NEGATIVE_SCALE_CONFIG, "NaN")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reward.negative.scale");
        assertThatThrownBy(() -> new BufferConfig(Map.of(BufferConfig.CAPACITY_CONFIG, 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("buffer.capacity");
        assertThatThrownBy(() -> new BufferConfig(Map.of(BufferConfig.HORIZON_MS_CONFIG, 1000,
                BufferConfig.JOIN_WINDOW_MS_CONFIG, 900, BufferConfig.GRACE_MS_CONFIG, 200,
                BufferConfig.BASELINE_WAIT_MS_CONFIG, 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("buffer.horizon.ms");
        assertThatThrownBy(() -> new BufferConfig(Map.of(BufferConfig.MIN_FILL_CONFIG, 7000)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("buffer.min.fill");

        BufferConfig defaults = new BufferConfig(Map.of());
        assertThat(defaults.capacity()).isEqualTo(6400);
        assertThat(defaults.snapshotIntervalSteps()).isEqualTo(50);
        assertThat(defaults.groupSize()).isEqualTo(4); // the generator's samples.per.problem default
        assertThat(PAPER.pass()).isEqualTo(1f);
        assertThat(PAPER.fineValue()).isEqualTo(-0.3f);
        assertThat(PAPER.alphaMode()).isEqualTo("paper");
        assertThat(PAPER.baseline()).isEqualTo("greedy");
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
