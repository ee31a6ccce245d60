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
import org.rltf.events.Outcome;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.TokenSequence;
import org.rltf.policy.Tokenizer;
import org.rltf.policy.TrainerConfig;
import org.rltf.streams.Rewards;

/**
 * The loss weights of RLTF-METHOD.md section 4, checked against numbers worked out by hand. The advantages
 * themselves (every switch, every baseline) are the buffer's and are tested with it, in streams' RewardsTest.
 */
class RltfLossTest {
    private static final Offset<Float> EPS = within(1e-6f);

    /** FAILURE, 1 of 4 tests passed, greedy baseline -1 (a syntax error), 4 tokens, no fine span: A_t = 1.025. */
    static Experience failure() {
        return experience("a", Outcome.FAILURE, ErrorCategory.NONE, 1, 4, -0.3f, 0.025f, 0.025f, -1f, 1.025f, 0f, -1,
                -1, 1f, 0f, 4);
    }

    /**
     * RUNTIME_ERROR on a line covering tokens 2..4 of 10: alpha = 10 / 3, baseline -1, so R - b = 0.4 and the fine
     * weight is -0.3 * 10/3 = -1.0.
     */
    static Experience runtimeError() {
        return experience("b", Outcome.RUNTIME_ERROR, ErrorCategory.U_LINE, 0, 4, -0.6f, null, -0.6f, -1f, 0.4f,
                -0.3f, 2, 4, 10f / 3f, -1f, 10);
    }

    @Test
    void anExperienceEntersTheGradientWhenAnyOfItsAdvantagesIsNonZero() {
        assertThat(RltfLoss.entersGradient(failure())).isTrue();
        Experience atBaseline = Experience.newBuilder(failure()).setSequenceAdvantage(0f).setFineWeight(0f).build();
        assertThat(RltfLoss.entersGradient(atBaseline)).isFalse();
        // At its baseline, but a penalised line: its tokens 2..4 carry the fine-grained term.
        Experience penalised = Experience.newBuilder(runtimeError()).setSequenceAdvantage(0f).build();
        assertThat(RltfLoss.entersGradient(penalised)).isTrue();
    }

    @Test
    void rlWeightsAreAdvantagesOverTheBatchsTokenCount() {
        List<TokenSequence> seq = RltfLoss.rlSequences(List.of(failure(), runtimeError()));
        // N_rl = 4 + 10 = 14 completion tokens in the batch; A_t = 1.025 for A, 0.4 and -0.6 on 2..4 for B.
        assertThat(seq.get(0).weights()).containsExactly(new float[] {1.025f / 14, 1.025f / 14, 1.025f / 14, 1.025f / 14}, EPS);
        assertThat(seq.get(1).weights()[0]).isCloseTo(0.4f / 14, EPS);
        assertThat(seq.get(1).weights()[3]).isCloseTo(-0.6f / 14, EPS);
        assertThat(seq.get(1).promptIds()).containsExactly(7, 8);
        assertThat(seq.get(1).completionIds()).hasSize(10);
        assertThat(RltfLoss.rlSequences(List.of())).isEmpty();
    }

    @Test
    void supervisedWeightsAreATokenMean() {
        List<TokenSequence> seq = RltfLoss.slSequences(List.of(
                new ReferenceExamples.Encoded("p#0", new int[] {1}, new int[] {10, 11, 12}),
                new ReferenceExamples.Encoded("q#0", new int[] {2}, new int[] {20, 21, 22, 23, 24})));
        assertThat(seq.get(0).weights()).containsExactly(filled(3, 1f / 8), EPS);
        assertThat(seq.get(1).weights()).containsExactly(filled(5, 1f / 8), EPS);
    }

    @Test
    void theTrainerMinimisesExactlyTheWeightedLogLikelihood() {
        ModelConfig config = new ModelConfig(1, 16, 2, 64, 257, "bytes");
        try (Policy policy = Policy.create(config, Tokenizer.bytes(), 1);
             PolicyTrainer trainer = new PolicyTrainer(policy, new TrainerConfig(1e-2, 0, 0.9, 0.999, 1e-8, 0, 1.0, 1))) {
            List<Experience> batch = List.of(failure(), runtimeError());
            List<TokenSequence> seq = RltfLoss.rlSequences(batch);
            float[][] logp = trainer.logProbs(seq);
            double expected = 0; // L_rl = - sum A_t log p / N_rl
            for (int i = 0; i < batch.size(); i++) {
                float[] a = Rewards.advantages(batch.get(i));
                for (int t = 0; t < a.length; t++) expected -= a[t] * logp[i][t] / 14.0;
            }
            assertThat(trainer.accumulate(seq)).isCloseTo(expected, within(1e-4));
            trainer.zeroGradients();

            // The supervised term really trains: its loss falls over a few steps.
            List<TokenSequence> sl = RltfLoss.slSequences(List.of(
                    new ReferenceExamples.Encoded("p#0", new int[] {65, 66}, new int[] {100, 101, 102, 256})));
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

    /** An experience with the fields the buffer would write for it. */
    private static Experience experience(String id, Outcome outcome, ErrorCategory category, int passed, int total,
                                         float coarse, Float adaptive, float reward, float baseline,
                                         float sequenceAdvantage, float fine, int start, int end, float alpha,
                                         float fineWeight, int tokens) {
        return Experience.newBuilder().setRun("r").setSampleId(id).setProblemId("p").setPolicyVersion(0)
                .setPromptTokenIds(List.of(7, 8)).setTokenIds(range(40, 40 + tokens)).setLogProbs(nCopies(tokens, -1f))
                .setOutcome(outcome).setErrorCategory(category).setPassed(passed).setTotal(total)
                .setRewardCoarse(coarse).setRewardAdaptive(adaptive).setReward(reward).setBaseline(baseline)
                .setBaselineMode("greedy").setBaselineSource(BaselineSource.GREEDY)
                .setSequenceAdvantage(sequenceAdvantage).setFineReward(fine).setFineStartToken(start)
                .setFineEndToken(end).setAlpha(alpha).setFineWeight(fineWeight).build();
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
