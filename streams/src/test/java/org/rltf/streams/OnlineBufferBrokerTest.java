package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rltf.streams.Events.feedback;
import static org.rltf.streams.Events.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.BaselineSource;
import org.rltf.events.DeadLetter;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.kernel.Partitions;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/** The online buffer on the real in-process KRaft broker and schema registry, exactly-once. */
@ExtendWith(KafkaExtension.class)
class OnlineBufferBrokerTest {
    @TempDir Path stateDir;

    @Test
    void buffersRewardedExperienceAndDeadLettersBadRecords(KafkaEnv env) throws Exception {
        String run = env.createRun("online-buffer");
        Topics topics = Topics.forRun(run);
        Map<String, Object> streamsConfig = env.clientConfig();
        streamsConfig.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        BufferConfig buffer = new BufferConfig(Map.of(BufferConfig.BASELINE_WAIT_MS_CONFIG, 2_000L,
                BufferConfig.MIN_FILL_CONFIG, 4));
        RewardConfig rewards = RewardConfig.DEFAULTS; // greedy baseline

        try (OnlineBuffer online = OnlineBuffer.start(streamsConfig, run, buffer, rewards);
             Serde<Sample> samples = AvroSerdes.serde(Sample.class, env.clientConfig(), false);
             Serde<Feedback> verdicts = AvroSerdes.serde(Feedback.class, env.clientConfig(), false);
             KafkaProducer<String, Sample> sampleProducer = new KafkaProducer<>(env.clientConfig(),
                     new StringSerializer(), samples.serializer());
             KafkaProducer<String, Feedback> feedbackProducer = new KafkaProducer<>(env.clientConfig(),
                     new StringSerializer(), verdicts.serializer());
             KafkaProducer<byte[], byte[]> rawProducer = new KafkaProducer<>(env.clientConfig(),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            online.awaitRunning(Duration.ofSeconds(60));
            int partitions = sampleProducer.partitionsFor(topics.samples()).size();
            assertThat(partitions).isGreaterThan(1);

            // Round 1 of problem p at version 0: one greedy program (FAILURE 1/2 -> 0.35) and three samples.
            long t = 1_700_000_000_000L;
            Sample g = sample(run, "p@v0/0/0", "p", 0, true, "def f():", "\n    return 1");
            Sample a = sample(run, "p@v0/0/1", "p", 0, false, "def f():", "\n    return 2");
            Sample b = sample(run, "p@v0/0/2", "p", 0, false, "def f():", "\n    return x");
            Sample c = sample(run, "p@v0/0/3", "p", 0, false, "def f(:", "\n    return 3");
            Sample lost = sample(run, "p@v0/0/4", "p", 0, false, "x");
            List<Sample> round = List.of(a, b, c, g, lost);
            for (Sample s : round)
                sampleProducer.send(new ProducerRecord<>(topics.samples(), at(sampleProducer, topics.samples(), s), t,
                        s.getSampleId(), s)).get();
            List<Feedback> grades = List.of(
                    feedback(a, Outcome.PASS, 2, 2),
                    feedback(b, Outcome.RUNTIME_ERROR, 0, 2, ErrorCategory.U_LINE, 9, 21),
                    feedback(c, Outcome.SYNTAX_ERROR, 0, 2, ErrorCategory.U_LINE, 0, 7),
                    feedback(lost, Outcome.SANDBOX_ERROR, 0, 0),
                    feedback(g, Outcome.FAILURE, 1, 2));

            // Bad input: bytes that are not an event (skipped), and a pair that cannot be rewarded (arrays disagree).
            rawProducer.send(new ProducerRecord<>(topics.samples(), null, t, "garbage".getBytes(StandardCharsets.UTF_8),
                    "not an avro record".getBytes(StandardCharsets.UTF_8))).get();
            Sample broken = Sample.newBuilder(sample(run, "p@v0/0/5", "p", 0, false, 3))
                    .setTokenEnds(List.of(1)).build();
            sampleProducer.send(new ProducerRecord<>(topics.samples(), at(sampleProducer, topics.samples(), broken), t,
                    broken.getSampleId(), broken)).get();
            for (Feedback f : grades)
                feedbackProducer.send(new ProducerRecord<>(topics.feedback(), at(feedbackProducer, topics.feedback(), f),
                        t + 500, f.getSampleId(), f)).get();
            Feedback brokenGrade = feedback(broken, Outcome.PASS, 1, 1);
            feedbackProducer.send(new ProducerRecord<>(topics.feedback(), at(feedbackProducer, topics.feedback(), brokenGrade),
                    t + 500, broken.getSampleId(), brokenGrade)).get();

            // Off their problem's partition: a sample sent where Kafka's default partitioner puts its sample id, and a
            // feedback one partition past its problem's. Either would split the problem's group across tasks.
            Sample misplaced = sample(run, "p@v0/0/6", "p", 0, false, 2);
            int home = Partitions.ofProblem("p", partitions);
            sampleProducer.send(new ProducerRecord<>(topics.samples(), (home + 1) % partitions, t, misplaced.getSampleId(),
                    misplaced)).get();
            feedbackProducer.send(new ProducerRecord<>(topics.feedback(), home, t + 500, misplaced.getSampleId(),
                    feedback(misplaced, Outcome.PASS, 2, 2))).get();
            Sample strayed = sample(run, "p@v0/0/7", "p", 0, false, 2);
            sampleProducer.send(new ProducerRecord<>(topics.samples(), home, t, strayed.getSampleId(), strayed)).get();
            feedbackProducer.send(new ProducerRecord<>(topics.feedback(), (home + 1) % partitions, t + 500,
                    strayed.getSampleId(), feedback(strayed, Outcome.PASS, 2, 2))).get();

            // The app keeps going after the bad records: a later pair is processed too.
            Sample later = sample(run, "p@v0/1/1", "p", 0, false, 2);
            sampleProducer.send(new ProducerRecord<>(topics.samples(), home, t + 1_000, later.getSampleId(), later)).get();
            feedbackProducer.send(new ProducerRecord<>(topics.feedback(), home, t + 1_200, later.getSampleId(),
                    feedback(later, Outcome.FAILURE, 0, 2))).get();

            List<String> expected = List.of("p@v0/0/0", "p@v0/0/1", "p@v0/0/2", "p@v0/0/3", "p@v0/1/1");
            Map<String, ConsumerRecord<String, Experience>> out = readExperience(env, topics, expected.size());
            assertThat(out.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(out.values()).extracting(r -> r.value().getBaseline()).containsOnly(0.35f);
            assertThat(out.values()).extracting(r -> r.value().getBaselineSource()).containsOnly(BaselineSource.GREEDY);
            assertThat(out.get("p@v0/0/1").value().getReward()).isEqualTo(1f);
            assertThat(out.get("p@v0/0/2").value().getReward()).isEqualTo(-0.6f);
            assertThat(out.get("p@v0/0/2").value().getFineStartToken()).isEqualTo(1); // "\n    return x" = [8, 21)
            assertThat(out.get("p@v0/0/3").value().getReward()).isEqualTo(-1f);
            assertThat(out.get("p@v0/0/1").timestamp()).isEqualTo(t + 500); // event time, not the wall clock
            assertThat(out.get("p@v0/1/1").value().getReward()).isEqualTo(-0.3f);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(online.snapshot(0).experiences()).extracting(Experience::getSampleId)
                            .containsExactlyInAnyOrderElementsOf(expected));
            BufferSnapshot snap = online.snapshot(0);
            assertThat(snap.newestEventTime()).isEqualTo(t + 1_200);
            assertThat(snap.experiences().get(snap.size() - 1).getSampleId()).isEqualTo("p@v0/1/1");
            assertThat(online.size()).isEqualTo(5);
            assertThat(online.filled()).isTrue();
            assertThat(online.snapshot(0 + buffer.maxPolicyLag() + 1).experiences()).isEmpty(); // all too stale
            assertThat(online.sandboxErrors()).isEqualTo(1);

            // The garbage sample is the grader's to dead-letter (BufferDeadLettersTest): only the pair is here.
            Map<String, DeadLetter> dead = readDeadLetters(env, topics, 3);
            assertThat(dead).doesNotContainKey("garbage");
            DeadLetter unrewardable = dead.get("p@v0/0/5");
            assertThat(unrewardable.getReason()).contains("token_ends");
            assertThat(unrewardable.getErrorClass()).isEqualTo(InvalidEventException.class.getName());
            DeadLetter offSample = dead.get("p@v0/0/6");
            assertThat(offSample.getTopic()).isEqualTo(topics.samples());
            assertThat(offSample.getPartition()).isEqualTo((home + 1) % partitions);
            assertThat(offSample.getReason()).contains("Sample p@v0/0/6 of problem p is on partition " + (home + 1) % partitions
                    + ", not on its problem's partition " + home + " of " + partitions);
            DeadLetter offFeedback = dead.get("p@v0/0/7");
            assertThat(offFeedback.getTopic()).isEqualTo(topics.feedback());
            assertThat(offFeedback.getReason()).contains("Feedback p@v0/0/7 of problem p is on partition");
            assertThat(online.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    private static Integer at(KafkaProducer<?, ?> producer, String topic, Object event) {
        return TopicRecords.partition(producer, topic, event);
    }

    private static Map<String, ConsumerRecord<String, Experience>> readExperience(KafkaEnv env, Topics topics, int n) {
        Map<String, Object> config = env.consumerConfig("experience-reader");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // only what the buffer committed
        Map<String, ConsumerRecord<String, Experience>> out = new HashMap<>();
        try (Serde<Experience> serde = AvroSerdes.serde(Experience.class, env.clientConfig(), false);
             KafkaConsumer<String, Experience> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                     serde.deserializer())) {
            consumer.subscribe(List.of(topics.experience()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.put(r.key(), r));
                return out.size() >= n;
            });
            // Nothing more arrives (SANDBOX_ERROR and bad records never become experience).
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> out.put(r.key(), r));
        }
        return out;
    }

    private static Map<String, DeadLetter> readDeadLetters(KafkaEnv env, Topics topics, int n) {
        Map<String, DeadLetter> out = new HashMap<>();
        List<String> keys = new ArrayList<>();
        try (Serde<DeadLetter> serde = AvroSerdes.serde(DeadLetter.class, env.clientConfig(), false);
             KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(env.consumerConfig("dead-letter-reader"),
                     new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(topics.deadLetter()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    keys.add(r.key());
                    out.put(r.key(), r.value());
                });
                return out.size() >= n;
            });
        }
        assertThat(keys).hasSize(n);
        return out;
    }
}
