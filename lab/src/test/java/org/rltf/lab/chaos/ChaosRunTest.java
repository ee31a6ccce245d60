package org.rltf.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short fault-injection run of CI, on a real broker in its own process: a SIGKILL of the broker (down 8 s) and
 * one of the learner, with a grader, the generator and the learner as processes of their own. It asserts counts,
 * never timings: no sample lost or published twice, one feedback per sample, one experience per non-SANDBOX verdict,
 * learner steps and checkpoint versions without gap or repeat, every digest right, one dead letter per injected
 * malformed record, and every service producing again after each fault without a manual restart.
 */
class ChaosRunTest {
    @TempDir Path tmp;

    @Test
    void aBrokerKillAndALearnerKillLoseNothingAndRepeatNothing() throws Exception {
        // Times count from the run's first committed learner steps; each fault waits for the previous to recover.
        ChaosPlan plan = new ChaosPlan(tmp.resolve("chaos"), 30, 7, 1, 2, List.of(
                new Fault(Fault.Kind.KILL, ChaosPlan.BROKER, 5, 8),
                new Fault(Fault.Kind.KILL, ChaosPlan.LEARNER, 15, 2)));
        ChaosReport report = ChaosRun.run(plan, System.out, false);
        report.print(System.out);

        ChaosReport.Counts c = report.counts();
        assertThat(c.samples).isPositive();
        assertThat(c.lostSamples).isZero();
        assertThat(c.duplicateSamples).isZero();
        assertThat(c.feedback).isEqualTo(c.samples);
        assertThat(c.duplicateFeedback).isZero();
        assertThat(c.experience).isEqualTo(c.rewardableFeedback);
        assertThat(c.duplicateExperience).isZero();
        assertThat(c.steps).isNotEmpty();
        assertThat(ChaosReport.contiguity(c.steps, 1)).isEmpty();
        assertThat(ChaosReport.contiguity(c.versions, 0)).isEmpty();
        assertThat(c.verifiedCheckpoints).isEqualTo(c.versions.size());
        assertThat(c.injectedDeadLettered).containsOnlyKeys("chaos-garbage", "chaos-tombstone", "chaos-mismatch")
                .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
        assertThat(c.duplicateDeadLetters).isZero();
        // The killed learner's buffer state stays under the checkpoint store; nothing of it in the temp directory.
        assertThat(report.leftovers()).noneMatch(f -> f.contains("rocksdb") || f.contains("kafka-streams"));
        assertThat(report.failures()).isEmpty();
    }
}
