package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rltf.streams.Events.feedback;
import static org.rltf.streams.Events.sample;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.DeadLetter;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Partitions;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * The buffer's dead letters on the real broker: every malformed record of the topics it owns gets exactly one, with
 * a bounded reason, and a sample only the grader's (the grader dead-letters every sample it cannot read, in the
 * transaction that commits past it, and such a sample never gets feedback the buffer could join).
 */
@ExtendWith(KafkaExtension.class)
class BufferDeadLettersTest {
    @TempDir Path stateDir;

    @Test
    void eachMalformedRecordGetsOneBoundedDeadLetterEvenWhenTheTopicsAreReadAgain(KafkaEnv env) throws Exception {
        String run = env.createRun("buffer-dead-letters");
        Topics topics = Topics.forRun(run);
        long t = 1_700_000_000_000L;
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(env.clientConfig(), new ByteArraySerializer(),
                new ByteArraySerializer());
             AvroSerializer<Problem> problems = new AvroSerializer<>(env.clientConfig(), false)) {
            // All on the partition of the good pair below, so that the buffer has read them when it has read that.
            int home = Partitions.ofProblem("p", raw.partitionsFor(topics.feedback()).size());
            // A tombstone on feedback: no verdict to join, and the join would drop it without a word.
            raw.send(new ProducerRecord<>(topics.feedback(), home, t, bytes("tombstone"), (byte[]) null)).get();
            // A Problem event on feedback: the wire format is right, the schema is not (its reason holds both schemas).
            Problem p = Problem.newBuilder().setRun(run).setId("p").setDataset("d").setSplit("train").setPrompt("x".repeat(3000))
                    .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of("assert True")).build())
                    .build();
            raw.send(new ProducerRecord<>(topics.feedback(), home, t, bytes("mismatch"),
                    problems.serialize(topics.problems(), p))).get();
            // Garbage on samples: the grader's to dead-letter, not the buffer's.
            raw.send(new ProducerRecord<>(topics.samples(), home, t, bytes("garbage"), bytes("not an avro record"))).get();
        }
        // A good pair after the bad records, so the test knows when the buffer has read past them.
        Sample s = sample(run, "p@v0/0/0", "p", 0, false, 2);
        TopicRecords.send(env, topics.samples(), t + 1, Sample::getSampleId, List.of(s));
        TopicRecords.send(env, topics.feedback(), t + 1, Feedback::getSampleId, List.of(feedback(s, Outcome.PASS, 1, 1)));

        BufferConfig buffer = new BufferConfig(Map.of(BufferConfig.MIN_FILL_CONFIG, 1));
        RewardConfig rewards = new RewardConfig(Map.of(RewardConfig.BASELINE_CONFIG, RewardConfig.BASELINE_NONE));
        readAllOnce(env, run, "rltf-" + run + "-buffer", buffer, rewards, stateDir.resolve("a"));
        List<DeadLetter> first = deadLetters(env, topics);
        // A second buffer of the run (another application id: it reads both topics from the start again) must
        // write no second dead letter for the same records.
        readAllOnce(env, run, "rltf-" + run + "-buffer-again", buffer, rewards, stateDir.resolve("b"));
        List<DeadLetter> again = deadLetters(env, topics);

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(first).extracting(BufferDeadLettersTest::key).as("one dead letter per bad feedback record, "
                + "none for the sample").containsExactlyInAnyOrder("tombstone", "mismatch");
        soft.assertThat(first).as("services and topics").allSatisfy(d -> {
            assertThat(d.getService()).startsWith("streams/");
            assertThat(d.getTopic()).isEqualTo(topics.feedback());
        });
        soft.assertThat(first).extracting(d -> d.getReason().length()).as("reason lengths")
                .allMatch(n -> n <= DeadLetters.MAX_REASON_CHARS);
        soft.assertThat(first).filteredOn(d -> key(d).equals("tombstone")).extracting(DeadLetter::getReason)
                .as("the tombstone's reason").anySatisfy(r -> assertThat(r).containsIgnoringCase("null value"));
        soft.assertThat(again).as("dead letters after the topics were read again").hasSameSizeAs(first);
        soft.assertAll();
    }

    /** Runs a buffer until it has turned the good pair into experience, then closes it. */
    private static void readAllOnce(KafkaEnv env, String run, String applicationId, BufferConfig buffer,
                                    RewardConfig rewards, Path stateDir) {
        Map<String, Object> streamsConfig = env.clientConfig();
        streamsConfig.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        streamsConfig.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        try (OnlineBuffer online = OnlineBuffer.start(streamsConfig, run, buffer, rewards)) {
            online.awaitRunning(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> online.size() == 1);
        }
        assertThat(TopicRecords.readAll(env, Topics.forRun(run).experience(), Experience.class)).isNotEmpty();
    }

    private static List<DeadLetter> deadLetters(KafkaEnv env, Topics topics) {
        return TopicRecords.readAll(env, topics.deadLetter(), DeadLetter.class).stream().map(ConsumerRecord::value).toList();
    }

    private static String key(DeadLetter d) {
        ByteBuffer k = d.getKey().duplicate();
        return StandardCharsets.UTF_8.decode(k).toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
