package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.rltf.events.BaselineSource;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.TokenSequence;
import org.rltf.policy.Tokenizer;
import org.rltf.policy.TrainerConfig;
import org.rltf.streams.RewardConfig;
import org.rltf.streams.Rewards;

/** The loss weights of RLTF-METHOD.md section 4, checked against numbers worked out by hand. */
class RltfLossTest {
    private static final Offset<Float> EPS = within(1e-6f);

    /** FAILURE, 1 of 4 tests passed, greedy baseline -1 (a syntax error), 4 tokens, no fine span. */
    private static Experience failure() {
        return experience("a", Outcome.FAILURE, ErrorCategory.NONE, 1, 4, -0.3f, 0.025f, 0.025f, -1f, 0f, -1, -1, 1f, 4);
    }

    /** RUNTIME_ERROR on a line covering tokens 2..4 of 10: alpha = 10 / 3, baseline -1. */
    private static Experience runtimeError() {
        return experience("b", Outcome.RUNTIME_ERROR, ErrorCategory.U_LINE, 0, 4, -0.6f, null, -0.6f, -1f, -0.3f, 2, 4,
                10f / 3f, 10);
    }

    @Test
    void advantagesWithEveryTermOn() {
        // A: R = R_adaptive = -0.3 + 1.3 * 1/4 = 0.025; A_t = 0.025 - (-1) = 1.025 on every token.
        assertThat(RltfLoss.advantages(failure(), RltfLoss.Terms.ALL)).containsExactly(new float[] {1.025f, 1.025f, 1.025f, 1.025f}, EPS);
        // B: R - b = -0.6 + 1 = 0.4; on S..E add R_fine * alpha = -0.3 * 10/3 = -1.0, so -0.6 there.
        assertThat(RltfLoss.advantages(runtimeError(), RltfLoss.Terms.ALL))
                .containsExactly(new float[] {0.4f, 0.4f, -0.6f, -0.6f, -0.6f, 0.4f, 0.4f, 0.4f, 0.4f, 0.4f}, EPS);
    }

    @Test
    void rlWeightsAreAdvantagesOverTheBatchsTokenCount() {
        List<TokenSequence> seq = RltfLoss.rlSequences(List.of(failure(), runtimeError()), RltfLoss.Terms.ALL);
        // N_rl = 4 + 10 = 14 completion tokens in the batch.
        assertThat(seq.get(0).weights()).containsExactly(new float[] {1.025f / 14, 1.025f / 14, 1.025f / 14, 1.025f / 14}, EPS);
        assertThat(seq.get(1).weights()[0]).isCloseTo(0.4f / 14, EPS);
        assertThat(seq.get(1).weights()[3]).isCloseTo(-0.6f / 14, EPS);
        assertThat(seq.get(1).promptIds()).containsExactly(7, 8);
        assertThat(seq.get(1).completionIds()).hasSize(10);
    }

    @Test
    void ablations() {
        // No fine term: B is 0.4 everywhere.
        RltfLoss.Terms noFine = new RltfLoss.Terms(true, true, false, true);
        assertThat(RltfLoss.advantages(runtimeError(), noFine)).containsExactly(filled(10, 0.4f), EPS);
        // No adaptive: A's failure gets the coarse -0.3, so A_t = -0.3 + 1 = 0.7.
        RltfLoss.Terms noAdaptive = new RltfLoss.Terms(true, false, true, true);
        assertThat(RltfLoss.advantages(failure(), noAdaptive)).containsExactly(filled(4, 0.7f), EPS);
        // No coarse, adaptive on: the failure keeps its adaptive reward; the runtime error's R(W) is 0.
        RltfLoss.Terms noCoarse = new RltfLoss.Terms(false, true, true, true);
        assertThat(RltfLoss.advantages(failure(), noCoarse)).containsExactly(filled(4, 1.025f), EPS);
        assertThat(RltfLoss.advantages(runtimeError(), noCoarse)[0]).isCloseTo(1.0f, EPS);
        assertThat(RltfLoss.advantages(runtimeError(), noCoarse)[2]).isCloseTo(0.0f, EPS);
        // Fine only: no sequence term at all, -1.0 on the error line.
        RltfLoss.Terms fineOnly = new RltfLoss.Terms(false, false, true, true);
        assertThat(RltfLoss.advantages(failure(), fineOnly)).containsExactly(filled(4, 0f), EPS);
        assertThat(RltfLoss.advantages(runtimeError(), fineOnly))
                .containsExactly(new float[] {0, 0, -1f, -1f, -1f, 0, 0, 0, 0, 0}, EPS);
        // Supervised only: no RL sequences.
        RltfLoss.Terms supervisedOnly = new RltfLoss.Terms(false, false, false, true);
        assertThat(supervisedOnly.rl()).isFalse();
        assertThat(RltfLoss.rlSequences(List.of(failure()), supervisedOnly)).isEmpty();
    }

    @Test
    void supervisedWeightsAreATokenMean() {
        List<TokenSequence> seq = RltfLoss.slSequences(List.of(
                new RltfLoss.Reference("p#0", new int[] {1}, new int[] {10, 11, 12}),
                new RltfLoss.Reference("q#0", new int[] {2}, new int[] {20, 21, 22, 23, 24})));
        assertThat(seq.get(0).weights()).containsExactly(filled(3, 1f / 8), EPS);
        assertThat(seq.get(1).weights()).containsExactly(filled(5, 1f / 8), EPS);
    }

    @Test
    void withTheDefaultsTheLossUsesTheBuffersRewardsUnchanged() {
        // The buffer computes the Experience with Rewards; with every term on the loss must agree with it.
        Sample sample = Sample.newBuilder().setRun("r").setSampleId("s").setProblemId("p").setPolicyVersion(1)
                .setCompletion("x = 1\ny = z\n").setPromptTokenIds(List.of(1, 2, 3))
                .setTokenIds(List.of(120, 32, 61, 32, 49, 10, 121, 32, 61, 32, 122, 10))
                .setTokenStarts(range(0, 12)).setTokenEnds(range(1, 13)).setLogProbs(nCopies(12, -1f))
                .setTemperature(1f).setSeed(3).setGeneratorId("g").build();
        Feedback feedback = Feedback.newBuilder().setRun("r").setSampleId("s").setProblemId("p").setPolicyVersion(1)
                .setOutcome(Outcome.RUNTIME_ERROR).setPassed(0).setTotal(3).setErrorClass("NameError")
                .setErrorLine(2).setErrorCategory(ErrorCategory.U_LINE).setErrorSpanStart(6).setErrorSpanEnd(12)
                .setGraderId("g").build();
        Experience e = Rewards.experience(sample, feedback, -0.3f, BaselineSource.GREEDY, RewardConfig.DEFAULTS);
        assertThat(RltfLoss.advantages(e, RltfLoss.Terms.ALL)).containsExactly(Rewards.advantages(e), EPS);
        // By hand: R - b = -0.6 + 0.3 = -0.3; the second line is tokens 6..11, alpha = 12 / 6 = 2, fine -0.3 * 2.
        assertThat(RltfLoss.advantages(e, RltfLoss.Terms.ALL)[0]).isCloseTo(-0.3f, EPS);
        assertThat(RltfLoss.advantages(e, RltfLoss.Terms.ALL)[6]).isCloseTo(-0.9f, EPS);
    }

    @Test
    void theTrainerMinimisesExactlyTheWeightedLogLikelihood() {
        ModelConfig config = new ModelConfig(1, 16, 2, 64, 257, "bytes");
        try (Policy policy = Policy.create(config, Tokenizer.bytes(), 1);
             PolicyTrainer trainer = new PolicyTrainer(policy, new TrainerConfig(1e-2, 0, 0.9, 0.999, 1e-8, 0, 1.0, 1))) {
            List<Experience> batch = List.of(failure(), runtimeError());
            List<TokenSequence> seq = RltfLoss.rlSequences(batch, RltfLoss.Terms.ALL);
            float[][] logp = trainer.logProbs(seq);
            double expected = 0; // L_rl = - sum A_t log p / N_rl
            for (int i = 0; i < batch.size(); i++) {
                float[] a = RltfLoss.advantages(batch.get(i), RltfLoss.Terms.ALL);
                for (int t = 0; t < a.length; t++) expected -= a[t] * logp[i][t] / 14.0;
            }
            assertThat(trainer.accumulate(seq)).isCloseTo(expected, within(1e-4));
            trainer.zeroGradients();

            // The supervised term really trains: its loss falls over a few steps.
            List<TokenSequence> sl = RltfLoss.slSequences(List.of(
                    new RltfLoss.Reference("p#0", new int[] {65, 66}, new int[] {100, 101, 102, 256})));
            double first = trainer.accumulate(sl);
            trainer.step();
            double last = first;
            for (int i = 0; i < 10; i++) {
                last = trainer.accumulate(sl);
                trainer.step();
            }
            assertThat(last).isLessThan(first * 0.8);
        }
    }

    private static Experience experience(String id, Outcome outcome, ErrorCategory category, int passed, int total,
                                         float coarse, Float adaptive, float reward, float baseline, float fine,
                                         int start, int end, float alpha, int tokens) {
        return Experience.newBuilder().setRun("r").setSampleId(id).setProblemId("p").setPolicyVersion(0)
                .setPromptTokenIds(List.of(7, 8)).setTokenIds(range(40, 40 + tokens)).setLogProbs(nCopies(tokens, -1f))
                .setOutcome(outcome).setErrorCategory(category).setPassed(passed).setTotal(total)
                .setRewardCoarse(coarse).setRewardAdaptive(adaptive).setReward(reward).setBaseline(baseline)
                .setBaselineMode("greedy").setFineReward(fine).setFineStartToken(start).setFineEndToken(end)
                .setAlpha(alpha).build();
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) l.add(i);
        return l;
    }

    private static List<Float> nCopies(int n, float v) {
        List<Float> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(v);
        return l;
    }
}
