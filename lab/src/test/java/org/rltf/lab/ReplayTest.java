package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.rltf.lab.LoopTestKit.read;
import static org.rltf.lab.LoopTestKit.values;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.kernel.Seeds;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerReplay;
import org.rltf.learner.RecordedSettings;
import org.rltf.policy.Checkpoints;
import org.rltf.schemas.Topics;

/**
 * {@code rltf replay} on a short lab run ({@link RecordedRun}): replayed into a second run, every checkpoint comes
 * out with the original's digest, and with a changed learning rate the replay names the first step it changes.
 * Neither writes into the recorded run.
 */
@ExtendWith(KafkaExtension.class)
class ReplayTest {

    @Test
    void aReplayIntoASecondRunReproducesEveryCheckpointDigest(KafkaEnv env) throws Exception {
        RecordedRun r = RecordedRun.get(env);
        Map<TopicPartition, Long> before = ends(env, r.topics);
        String toRun = r.run + "-replay-a";

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = ReplayCommand.replay(env.clientConfig(), new LearnerReplay.Options(r.run, toRun, 0, Map.of(), null),
                out, out);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(status).as(printed).isZero();
        assertThat(printed).contains("reproduced 4 checkpoints of run " + r.run + " bit for bit");

        List<Checkpoint> original = values(read(env, r.topics.checkpoints(), Checkpoint.class));
        List<Checkpoint> replayed = values(read(env, Topics.forRun(toRun).checkpoints(), Checkpoint.class));
        assertThat(original).extracting(Checkpoint::getVersion).containsExactly(0L, 1L, 2L, 3L);
        assertThat(replayed).extracting(Checkpoint::getSha256)
                .containsExactlyElementsOf(original.stream().map(Checkpoint::getSha256).toList());
        assertThat(replayed).extracting(Checkpoint::getStep).containsExactly(0L, 2L, 4L, 6L);
        for (Checkpoint c : replayed) {
            Path dir = Path.of(URI.create(c.getUri()));
            assertThat(dir.toString()).contains(toRun);
            assertThat(Checkpoints.verify(dir, c.getSha256())).isEqualTo(c.getSha256());
        }
        // Every checkpoint records what determined its period: the learner's settings and the runtime's threads.
        assertThat(original).allSatisfy(c -> assertThat(c.getLearnerConfig())
                .containsKeys(LearnerConfig.LR_CONFIG, LearnerConfig.MICRO_BATCH_CONFIG, RecordedSettings.THREADS));

        // The replayed run's steps are the recorded ones: the same batches, seeds, losses and event times.
        var steps = read(env, r.topics.learnerSteps(), LearnerStep.class);
        var again = read(env, Topics.forRun(toRun).learnerSteps(), LearnerStep.class);
        assertThat(again).hasSameSizeAs(steps);
        for (int i = 0; i < steps.size(); i++) {
            LearnerStep a = steps.get(i).value();
            LearnerStep b = again.get(i).value();
            assertThat(b.getRun()).isEqualTo(toRun);
            assertThat(b.getSampleIds()).isEqualTo(a.getSampleIds());
            assertThat(b.getReferenceIds()).isEqualTo(a.getReferenceIds());
            assertThat(b.getSeed()).isEqualTo(a.getSeed()).isBetween(0L, Seeds.MAX_RECORDED);
            assertThat(b.getLoss()).isEqualTo(a.getLoss());
            assertThat(b.getGradNorm()).isEqualTo(a.getGradNorm());
            assertThat(b.getCheckpointVersion()).isEqualTo(a.getCheckpointVersion());
            assertThat(again.get(i).timestamp()).isEqualTo(steps.get(i).timestamp());
        }
        assertThat(ends(env, r.topics)).as("the recorded run's topics are only read").isEqualTo(before);
    }

    @Test
    void aChangedLearningRateIsReportedAtTheFirstStepWhoseWeightsDiffer(KafkaEnv env) throws Exception {
        RecordedRun r = RecordedRun.get(env);
        Map<TopicPartition, Long> before = ends(env, r.topics);
        Checkpoint v0 = values(read(env, r.topics.checkpoints(), Checkpoint.class)).get(0);
        double lr = Double.parseDouble(v0.getLearnerConfig().get(LearnerConfig.LR_CONFIG));

        LearnerReplay.Report report = new LearnerReplay(env.clientConfig(), new LearnerReplay.Options(r.run,
                r.run + "-replay-lr", 0, Map.of(LearnerConfig.LR_CONFIG, Double.toString(lr * 2)), null), null).run();
        System.out.println(report.summary());

        // v0 holds the same weights (its digest differs in the trainer's recorded settings only); step 1 already
        // uses the other learning rate, so checkpoint v1 (step 2) is the first whose weights differ.
        assertThat(report.checkpoints().get(0).sameState()).isTrue();
        assertThat(report.checkpoints().get(0).differingFiles()).containsExactly("trainer/state.json");
        assertThat(report.diverged()).isNotNull();
        assertThat(report.diverged().version()).isEqualTo(1);
        assertThat(report.diverged().maxAbsWeightDiff()).isPositive().isFinite();
        assertThat(report.firstDifferingStep()).isEqualTo(1);
        assertThat(report.firstStepDiff().field()).isEqualTo("lr");
        assertThat(report.firstStepDiff().replayed()).isCloseTo(2 * report.firstStepDiff().recorded(), withinPercentage(1e-9));
        assertThat(report.summary()).contains("diverges at step 1").contains("checkpoint v1");
        assertThat(ends(env, r.topics)).isEqualTo(before);
    }

    /** The end offset of every partition of the run's topics (a write of any kind moves one). */
    static Map<TopicPartition, Long> ends(KafkaEnv env, Topics topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var d : env.admin().describeTopics(topics.all()).allTopicNames().get().values())
            for (var p : d.partitions()) latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
        Map<TopicPartition, Long> out = new HashMap<>();
        env.admin().listOffsets(latest).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
