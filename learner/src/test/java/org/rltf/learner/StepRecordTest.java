package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.rltf.events.LearnerStep;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.StepStats;

/** A step's LearnerStep and a period's metrics, against numbers worked out by hand. */
class StepRecordTest {

    @Test
    void aStepNamesItsExactBatchAndItsLossesAndStatistics() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        StepRecord record = new StepRecord("r", meters);
        List<ReferenceExamples.Encoded> sl = List.of(new ReferenceExamples.Encoded("p#0", new int[] {1}, new int[] {2, 3}),
                new ReferenceExamples.Encoded("q#1", new int[] {1}, new int[] {4, 5, 6}));
        LearnerStep s = record.add(7, 2, 99, List.of(RltfLossTest.failure(), RltfLossTest.runtimeError()), sl, 0.5,
                0.25, new StepStats(7, 1.5, 1e-4), new StepRecord.Timings(1_000_000, 2_000_000, 500_000), 1234);
        assertThat(s.getRun()).isEqualTo("r");
        assertThat(s.getStep()).isEqualTo(7);
        assertThat(s.getPolicyVersion()).isEqualTo(2);
        assertThat(s.getCheckpointVersion()).isNull();
        assertThat(s.getSeed()).isEqualTo(99);
        assertThat(s.getSampleIds()).containsExactly("a", "b");
        assertThat(s.getReferenceIds()).containsExactly("p#0", "q#1");
        assertThat(s.getLoss()).isEqualTo(0.75);
        assertThat(s.getLossRl()).isEqualTo(0.5);
        assertThat(s.getLossSl()).isEqualTo(0.25);
        assertThat(s.getGradNorm()).isEqualTo(1.5);
        assertThat(s.getLr()).isEqualTo(1e-4);
        assertThat(s.getSlTokens()).isEqualTo(5);
        assertThat(s.getRlTokens()).isEqualTo(RlBatchStats.of(List.of(RltfLossTest.failure(), RltfLossTest.runtimeError()), 2).tokens());
        assertThat(s.getTimingsMs()).containsEntry("batch", 1.0).containsEntry("forward_backward", 2.0)
                .containsEntry("optimizer", 0.5);
        assertThat(record.period()).containsExactly(new StepRecord.Stamped(s, 1234));
        assertThat(meters.get("rltf.learner.steps").counter().count()).isEqualTo(1);
    }

    @Test
    void thePeriodsMetricsAreMeansOverItsStepsAndTheLastLearningRate() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        StepRecord record = new StepRecord("r", meters);
        assertThat(record.periodMetrics(-1)).containsExactly(java.util.Map.entry("steps", 0.0)); // version 0
        // Supervised-only steps: losses 1 + 0.5 and 3 + 0.5, grad norms 2 and 4, lr 1e-4 then 2e-4.
        record.add(1, 0, 1, List.of(), List.of(), 1, 0.5, new StepStats(1, 2, 1e-4), new StepRecord.Timings(0, 0, 0), 10);
        record.add(2, 0, 2, List.of(), List.of(), 3, 0.5, new StepStats(2, 4, 2e-4), new StepRecord.Timings(0, 0, 0), 11);
        var m = record.periodMetrics(40);
        assertThat(m.keySet()).containsExactly("steps", "loss", "loss_rl", "loss_sl", "mean_reward", "mean_policy_lag",
                "grad_norm", "lr", "buffer_size");
        assertThat(m.get("steps")).isEqualTo(2.0);
        assertThat(m.get("loss")).isCloseTo((1.5 + 3.5) / 2, within(1e-12));
        assertThat(m.get("loss_rl")).isCloseTo(2.0, within(1e-12));
        assertThat(m.get("loss_sl")).isCloseTo(0.5, within(1e-12));
        assertThat(m.get("grad_norm")).isCloseTo(3.0, within(1e-12));
        assertThat(m.get("lr")).isEqualTo(2e-4);
        assertThat(m.get("buffer_size")).isEqualTo(40.0);
        assertThat(record.periodMetrics(-1)).doesNotContainKey("buffer_size"); // before the buffer starts (version 0)

        record.periodCommitted();
        assertThat(record.period()).isEmpty();
        assertThat(meters.get("rltf.learner.checkpoints").counter().count()).isEqualTo(1);
        assertThat(meters.get("rltf.learner.steps").counter().count()).isEqualTo(2);
    }
}
