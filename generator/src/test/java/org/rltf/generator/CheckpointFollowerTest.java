package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rltf.generator.CheckpointFollower.Outcome.ADOPTED;
import static org.rltf.generator.CheckpointFollower.Outcome.IGNORED;
import static org.rltf.generator.CheckpointFollower.Outcome.REFUSED;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.kernel.DeadLetters;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;

/** The follower on real checkpoint directories, with no broker: dead letters go to a mock producer. */
class CheckpointFollowerTest {
    private static final ModelConfig MODEL = new ModelConfig(2, 32, 2, 256, 257, "bytes");
    private static final ModelConfig WIDER = new ModelConfig(2, 64, 2, 256, 257, "bytes");
    private static final Topics TOPICS = Topics.forRun("r1");

    @TempDir Path store;
    @TempDir Path elsewhere;

    private final List<DeadLetter> letters = new ArrayList<>();
    private MockProducer<byte[], byte[]> producer;
    private DeadLetters deadLetters;
    private GeneratorMetrics metrics;

    @BeforeEach
    void setUp() {
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        deadLetters = new DeadLetters(producer, (topic, letter) -> {
            letters.add(letter);
            return new byte[0];
        }, "generator/g1");
        metrics = new GeneratorMetrics(new SimpleMeterRegistry(), "r1");
    }

    @Test
    void adoptsVerifiedCheckpointsAndRefusesTheRestKeepingTheOldWeights() {
        CheckpointInfo v0;
        CheckpointInfo v1;
        CheckpointInfo v2;
        CheckpointInfo outside;
        try (Policy p0 = Policy.create(MODEL, Tokenizer.bytes(), 1); Policy p1 = Policy.create(MODEL, Tokenizer.bytes(), 2);
             Policy p2 = Policy.create(WIDER, Tokenizer.bytes(), 3)) {
            v0 = p0.save(store.resolve("v0"));
            v1 = p1.save(store.resolve("v1"));
            v2 = p2.save(store.resolve("v2"));
            outside = p1.save(elsewhere.resolve("v1"));
        }
        try (CheckpointFollower f = follower(12)) {
            assertThat(f.hasPolicy()).isFalse();
            assertThat(f.version()).isEqualTo(-1);

            assertThat(f.offer(raw(100), checkpoint(0, v0.dir().toUri().toString(), v0.sha256(), MODEL))).isEqualTo(ADOPTED);
            Policy first = f.policy();
            assertThat(f.version()).isZero();
            assertThat(f.anchor()).isEqualTo(100);

            // A wrong digest: refused, dead-lettered with the reason, the weights and the anchor stay.
            String wrong = "0".repeat(64);
            assertThat(f.offer(raw(200), checkpoint(1, v1.dir().toUri().toString(), wrong, MODEL))).isEqualTo(REFUSED);
            assertThat(f.policy()).isSameAs(first);
            assertThat(f.policy().checkpointSha256()).isEqualTo(v0.sha256());
            assertThat(f.version()).isZero();
            assertThat(f.anchor()).isEqualTo(100);
            assertThat(letters.get(0).getReason()).contains("checkpoint v1 refused, keeping v0").contains(wrong);
            assertThat(letters.get(0).getTopic()).isEqualTo(TOPICS.checkpoints());
            assertThat(letters.get(0).getService()).isEqualTo("generator/g1");
            assertThat(letters.get(0).getErrorClass()).isEqualTo(CheckpointException.class.getName());

            // A true digest, but outside the store; a URI that is no file: URI.
            assertThat(f.offer(raw(201), checkpoint(1, outside.dir().toUri().toString(), outside.sha256(), MODEL)))
                    .isEqualTo(REFUSED);
            assertThat(letters.get(1).getReason()).contains("lies outside generator.checkpoint.store.dir=" + store);
            assertThat(f.offer(raw(202), checkpoint(1, "https://example.com/v1", v1.sha256(), MODEL))).isEqualTo(REFUSED);
            assertThat(letters.get(2).getReason()).contains("is not a file: URI");

            // Not newer: ignored, nothing dead-lettered.
            assertThat(f.offer(raw(203), checkpoint(0, "https://example.com/v0", "", MODEL))).isEqualTo(IGNORED);
            assertThat(letters).hasSize(3);

            // The same model: the weights switch in place.
            assertThat(f.offer(raw(300), checkpoint(1, v1.dir().toUri().toString(), v1.sha256(), MODEL))).isEqualTo(ADOPTED);
            assertThat(f.policy()).isSameAs(first);
            assertThat(f.policy().checkpointSha256()).isEqualTo(v1.sha256());
            assertThat(f.version()).isEqualTo(1);
            assertThat(f.anchor()).isEqualTo(300);

            // Another model: a new policy replaces the old one.
            assertThat(f.offer(raw(400), checkpoint(2, v2.dir().toUri().toString(), v2.sha256(), WIDER))).isEqualTo(ADOPTED);
            assertThat(f.policy()).isNotSameAs(first);
            assertThat(f.policy().config()).isEqualTo(WIDER);
            assertThat(f.version()).isEqualTo(2);
        }
        // Each dead letter keeps the refused event's timestamp (event time, not the wall clock).
        assertThat(producer.history()).extracting(r -> r.timestamp()).containsExactly(200L, 201L, 202L);
        assertThat(producer.history()).allMatch(r -> r.topic().equals(TOPICS.deadLetter()));
        assertThat(metrics.summary(0)).contains("3 checkpoints refused, 3 dead letters");
    }

    @Test
    void aModelWithoutRoomForTheCompletionIsTheConfigurationsFault() {
        CheckpointInfo v0;
        try (Policy p0 = Policy.create(MODEL, Tokenizer.bytes(), 1)) {
            v0 = p0.save(store.resolve("v0"));
        }
        try (CheckpointFollower f = follower(MODEL.context())) {
            assertThatThrownBy(() -> f.offer(raw(100), checkpoint(0, v0.dir().toUri().toString(), v0.sha256(), MODEL)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("generator.max.new.tokens")
                    .hasMessageContaining("context 256");
            assertThat(f.hasPolicy()).isFalse();
        }
        assertThat(letters).isEmpty();
    }

    @Test
    void aCheckpointDirectoryIsALocalFileUriInsideTheStore() {
        Path s = Path.of("/store").toAbsolutePath().normalize();
        assertThat(CheckpointFollower.checkpointDir("file:///store/run/v3/", s)).isEqualTo(Path.of("/store/run/v3"));
        assertThat(CheckpointFollower.checkpointDir("file:///anywhere/v3", null)).isEqualTo(Path.of("/anywhere/v3"));
        // ".." cannot climb out of the store.
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("file:///store/../etc/v3", s))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("/etc/v3 lies outside");
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("file:///storefront/v3", s))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("lies outside");
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("file:relative/v3", null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("names no local directory");
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("file://host/store/v3", null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("names no local directory");
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("a b:c", null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("is not a URI");
        assertThatThrownBy(() -> CheckpointFollower.checkpointDir("/store/v3", null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("is not a file: URI");
    }

    private CheckpointFollower follower(int maxNewTokens) {
        return new CheckpointFollower(store.toAbsolutePath().normalize(), maxNewTokens, TOPICS, deadLetters, metrics,
                "generator/g1");
    }

    private static ConsumerRecord<byte[], byte[]> raw(long timestamp) {
        return new ConsumerRecord<>(TOPICS.checkpoints(), 0, timestamp, timestamp, TimestampType.CREATE_TIME, 2, 5,
                "r1".getBytes(), "bytes".getBytes(), new RecordHeaders(), Optional.empty());
    }

    private static Checkpoint checkpoint(long version, String uri, String sha256, ModelConfig model) {
        return Checkpoint.newBuilder().setRun("r1").setVersion(version).setStep(version * 2).setUri(uri)
                .setSha256(sha256).setSizeBytes(0).setModelConfig(model.toJson()).build();
    }
}
