package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Problem;
import org.rltf.kernel.ProblemTable;
import org.rltf.kernel.RecordDecoder;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/** The kernel's problems table on the real broker: splits, tombstones, moves between splits, bad records. */
@ExtendWith(KafkaExtension.class)
class ProblemTableTest {

    @Test void keepsTheSplitsProblemsInIdOrderAndFollowsTheCompactedTopic(KafkaEnv env) throws Exception {
        String run = env.createRun("problem-table");
        String topic = Topics.forRun(run).problems();
        Serde<Problem> serde = AvroSerdes.serde(Problem.class, env.clientConfig(), false);
        Problem base = Events.problem(run);
        List<RecordDecoder.Bad<String, Problem>> bad = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(env.clientConfig(), new ByteArraySerializer(),
                new ByteArraySerializer());
             ProblemTable table = ProblemTable.open(env.clientConfig(), "test-problems", topic, serde.deserializer(),
                     ProblemTable.splits(Set.of("train")), bad::add, Duration.ofSeconds(30))) {
            for (String id : List.of("p/2", "p/1", "p/3")) send(producer, topic, id, serde.serializer().serialize(topic,
                    Problem.newBuilder(base).setId(id).setSplit(id.equals("p/3") ? "test" : "train").build()));
            send(producer, topic, "junk", new byte[] {0, 0, 0, 0, 9, 9});
            table.catchUp();
            assertThat(table.byId().keySet()).containsExactly("p/1", "p/2");
            assertThat(bad).singleElement().satisfies(b -> assertThat(b.raw().offset()).isGreaterThanOrEqualTo(0));

            long changes = table.changes();
            send(producer, topic, "p/1", null); // tombstone
            send(producer, topic, "p/2", serde.serializer().serialize(topic,
                    Problem.newBuilder(base).setId("p/2").setSplit("test").build())); // moved out of train
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                table.poll();
                return table.isEmpty();
            });
            assertThat(table.changes()).isEqualTo(changes + 2);
            assertThat(table.get("p/3")).isNull();
        }
    }

    @Test void aMissingTopicIsNamed(KafkaEnv env) {
        Serde<Problem> serde = AvroSerdes.serde(Problem.class, env.clientConfig(), false);
        try (ProblemTable table = ProblemTable.open(env.clientConfig(), "test-missing", "rltf.no-such-run.problems",
                serde.deserializer(), p -> true, b -> {}, Duration.ofSeconds(2))) {
            assertThatThrownBy(table::catchUp).isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessageContaining("rltf.no-such-run.problems");
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, 0, 1_000L, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
}
