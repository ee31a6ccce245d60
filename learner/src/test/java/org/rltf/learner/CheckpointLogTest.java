package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.LearnerStep;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.policy.Checkpoints;
import org.rltf.policy.StepStats;
import org.rltf.schemas.Topics;

/** The checkpoint log against the real broker: what one transaction makes visible, and what a fenced log cannot. */
@ExtendWith(KafkaExtension.class)
class CheckpointLogTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir Path store;

    @Test
    void aPeriodsStepsAndItsCheckpointCommitTogetherAndTheNewestIsReadBack(KafkaEnv env) {
        String run = env.createRun("ckpt-log");
        Topics topics = Topics.forRun(run);
        LearnerConfig config = config(env, run);
        try (DeadLetters dead = DeadLetters.create(config.originals(), "learner/" + run);
             CheckpointLog log = new CheckpointLog(config, dead)) {
            log.initTransactions();
            assertThat(log.newest()).isNull(); // a new run

            Checkpoint v0 = log.commit(period(0, 0, T0, List.of()), saver("v0"), () -> false);
            assertThat(log.newest().checkpoint()).isEqualTo(v0);
            assertThat(log.newest().timestamp()).isEqualTo(T0);

            StepRecord steps = new StepRecord(run, new SimpleMeterRegistry());
            step(steps, 1, T0 + 10);
            step(steps, 2, T0 + 20);
            Checkpoint v1 = log.commit(period(1, 2, T0 + 20, steps.period()), saver("v1"), () -> false);

            CheckpointLog.Committed newest = log.newest();
            assertThat(newest.checkpoint()).isEqualTo(v1);
            assertThat(newest.timestamp()).isEqualTo(T0 + 20); // a resumed learner stamps after it
            assertThat(v1.getStep()).isEqualTo(2);
            assertThat(v1.getMetrics()).containsEntry("steps", 2.0).containsKey("save_ms");
            Path dir = Path.of(URI.create(v1.getUri()));
            assertThat(dir).isEqualTo(store.resolve(run).resolve("v1"));
            assertThat(Checkpoints.sha256(dir)).isEqualTo(v1.getSha256());

            // The period's steps, each at its stamp; the last one names the checkpoint that closes the period.
            List<ConsumerRecord<String, LearnerStep>> committed = TopicRecords.readAll(env, topics.learnerSteps(),
                    LearnerStep.class);
            assertThat(committed).extracting(r -> r.value().getStep()).containsExactly(1L, 2L);
            assertThat(committed).extracting(ConsumerRecord::timestamp).containsExactly(T0 + 10, T0 + 20);
            assertThat(committed).extracting(r -> r.value().getCheckpointVersion()).containsExactly(null, 1L);
            assertThat(committed).extracting(ConsumerRecord::key).containsOnly(run);
        }
    }

    @Test
    void aFencedLogCommitsNothingAndItsLeftoverDirectoryIsRewritten(KafkaEnv env) throws Exception {
        String run = env.createRun("ckpt-fenced");
        Topics topics = Topics.forRun(run);
        LearnerConfig config = config(env, run);
        try (DeadLetters dead = DeadLetters.create(config.originals(), "learner/" + run);
             CheckpointLog old = new CheckpointLog(config, dead);
             CheckpointLog next = new CheckpointLog(config, dead)) {
            old.initTransactions();
            old.commit(period(0, 0, T0, List.of()), saver("v0"), () -> false);

            next.initTransactions(); // a restarted learner of the run takes over its transactional.id
            StepRecord steps = new StepRecord(run, new SimpleMeterRegistry());
            step(steps, 1, T0 + 10);
            assertThatThrownBy(() -> old.commit(period(1, 1, T0 + 10, steps.period()), saver("old v1"), () -> false))
                    .isInstanceOf(KafkaException.class);

            // Nothing of the fenced period is visible; the version it saved is on disk, named by no event.
            assertThat(next.newest().checkpoint().getVersion()).isZero();
            assertThat(TopicRecords.readAll(env, topics.learnerSteps(), LearnerStep.class)).isEmpty();
            Path v1 = store.resolve(run).resolve("v1");
            assertThat(v1.resolve("weights")).hasContent("old v1");

            // The new owner commits that version itself, over the leftover directory.
            Checkpoint committed = next.commit(period(1, 1, T0 + 10, steps.period()), saver("new v1"), () -> false);
            assertThat(v1.resolve("weights")).hasContent("new v1");
            assertThat(Checkpoints.sha256(v1)).isEqualTo(committed.getSha256());
            assertThat(next.newest().checkpoint()).isEqualTo(committed);
            assertThat(TopicRecords.readAll(env, topics.learnerSteps(), LearnerStep.class))
                    .extracting(r -> r.value().getStep()).containsExactly(1L);
        }
    }

    @Test
    void anUndecodableCheckpointRecordIsDeadLetteredAndSkipped(KafkaEnv env) throws Exception {
        String run = env.createRun("ckpt-bad");
        Topics topics = Topics.forRun(run);
        LearnerConfig config = config(env, run);
        try (DeadLetters dead = DeadLetters.create(config.originals(), "learner/" + run);
             CheckpointLog log = new CheckpointLog(config, dead)) {
            log.initTransactions();
            Checkpoint v0 = log.commit(period(0, 0, T0, List.of()), saver("v0"), () -> false);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    ClientConfigs.producer(env.clientConfig(), "garbage", Map.of()), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topics.checkpoints(), null, T0 + 5,
                        run.getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8))).get();
            }
            assertThat(log.newest().checkpoint()).isEqualTo(v0);
            List<ConsumerRecord<String, DeadLetter>> letters = TopicRecords.readAll(env, topics.deadLetter(),
                    DeadLetter.class);
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).value().getTopic()).isEqualTo(topics.checkpoints());
        }
    }

    private LearnerConfig config(KafkaEnv env, String run) {
        Map<String, Object> m = env.clientConfig();
        m.put(LearnerConfig.RUN_CONFIG, run);
        m.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        return new LearnerConfig(m);
    }

    private static CheckpointLog.Period period(long version, long step, long stamp, List<StepRecord.Stamped> steps) {
        return new CheckpointLog.Period(version, step, stamp, steps, Map.of("steps", (double) steps.size()), "{}",
                Map.of());
    }

    /** A checkpoint directory holding one file, "weights", with {@code content}. */
    private static CheckpointLog.Saver saver(String content) {
        return dir -> Checkpoints.write(dir, tmp -> Files.writeString(tmp.resolve("weights"), content));
    }

    private static void step(StepRecord steps, long step, long stamp) {
        steps.add(step, 0, step, List.of(), List.of(), 0.5, 0.25, new StepStats(step, 1.0, 1e-3),
                new StepRecord.Timings(1, 2, 3), stamp);
    }
}
