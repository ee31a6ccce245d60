package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.rltf.events.BaselineSource;
import org.rltf.events.Experience;

/** The RL half's statistics in a LearnerStep, against numbers worked out by hand. */
class RlBatchStatsTest {

    @Test
    void meansHistogramAndMissingBaselines() {
        // The two experiences of RltfLossTest, drawn by a learner at version 3 (both sampled at version 0), and a
        // copy of the failure whose problem had no greedy program: b = 0 from NONE, so A_t = 0.025.
        Experience noBaseline = Experience.newBuilder(RltfLossTest.failure()).setSampleId("c").setPolicyVersion(2)
                .setBaseline(0f).setBaselineSource(BaselineSource.NONE).setSequenceAdvantage(0.025f).build();
        RlBatchStats s = RlBatchStats.of(List.of(RltfLossTest.failure(), RltfLossTest.runtimeError(), noBaseline), 3);
        assertThat(s.meanReward()).isCloseTo((0.025 - 0.6 + 0.025) / 3, within(1e-6));
        // Token mean of A_t: (4 * 1.025 + 7 * 0.4 + 3 * -0.6 + 4 * 0.025) / 18 = 5.2 / 18.
        assertThat(s.meanAdvantage()).isCloseTo(5.2 / 18, within(1e-6));
        assertThat(s.outcomes()).containsExactly(Map.entry("FAILURE", 2), Map.entry("RUNTIME_ERROR", 1));
        assertThat(s.missingBaselineShare()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(s.meanPolicyLag()).isCloseTo((3 + 3 + 1) / 3.0, within(1e-9));
        assertThat(s.tokens()).isEqualTo(18);
        assertThat(s.sampleIds()).containsExactly("a", "b", "c");
    }

    @Test
    void anEmptyBatchIsAllZero() { // supervised-only steps
        RlBatchStats s = RlBatchStats.of(List.of(), 5);
        assertThat(s.meanReward()).isZero();
        assertThat(s.meanAdvantage()).isZero();
        assertThat(s.outcomes()).isEmpty();
        assertThat(s.missingBaselineShare()).isZero();
        assertThat(s.tokens()).isZero();
    }
}
