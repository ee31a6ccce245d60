package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * The generator against the real broker, with no learner: the test plays the learner by publishing checkpoints
 * and learner steps itself, so every expectation (counts, versions, timestamps) is exact.
 */
@ExtendWith(KafkaExtension.class)
class GeneratorServiceTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ModelConfig MODEL = new ModelConfig(2, 32, 2, 256, 257, "bytes");

    @TempDir Path store;

    @Test
    void samplesSwitchesCheckpointsRefusesBadOnesAndWaitsForTheLearner(KafkaEnv env) throws Exception {
        String run = env.createRun("generator");
        Topics topics = Topics.forRun(run);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 3; i++) send(env, producer, topics.problems(), "t/" + i, problem("t/" + i, "train"), T0);
            send(env, producer, topics.problems(), "x/0", problem("x/0", "test"), T0); // another split: never sampled

            CheckpointInfo v0;
            CheckpointInfo v1;
            try (Policy p0 = Policy.create(MODEL, Tokenizer.bytes(), 1); Policy p1 = Policy.create(MODEL, Tokenizer.bytes(), 2)) {
                v0 = p0.save(store.resolve(run).resolve("v0"));
                v1 = p1.save(store.resolve(run).resolve("v1"));
            }
            send(env, producer, topics.checkpoints(), run, checkpoint(run, 0, 0, v0, v0.sha256()), T0 + 5);

            Map<String, Object> config = env.clientConfig();
            config.put(GeneratorConfig.RUN_CONFIG, run);
            config.put(GeneratorConfig.GENERATOR_ID_CONFIG, "g1");
            config.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
            config.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, "2");
            config.put(GeneratorConfig.BATCH_PROBLEMS_CONFIG, "2");
            config.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, "12");
            config.put(GeneratorConfig.RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, "3");
            config.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, "12"); // two rounds of 2 * (2 + 1)
            config.put(GeneratorConfig.POLL_TIMEOUT_MS_CONFIG, "50");
            GeneratorService generator = new GeneratorService(config);
            Thread thread = new Thread(generator, "generator");
            thread.start();
            try {
                // Two rounds, then it waits: the learner has taken no step.
                await().atMost(Duration.ofSeconds(60)).until(() -> read(env, topics.samples(), Sample.class).size() >= 12);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> read(env, topics.samples(), Sample.class).size() == 12);
                List<ConsumerRecord<String, Sample>> first = read(env, topics.samples(), Sample.class);
                assertThat(generator.rounds()).isEqualTo(2);
                // Round robin over t/0, t/1, t/2 in id order: round 0 = t/0, t/1; round 1 = t/2, t/0.
                assertThat(first).extracting(r -> r.value().getProblemId()).containsExactly(
                        "t/0", "t/0", "t/0", "t/1", "t/1", "t/1", "t/2", "t/2", "t/2", "t/0", "t/0", "t/0");
                assertThat(first).extracting(ConsumerRecord::key).startsWith(
                        "t/0@v0/g1/0/g", "t/0@v0/g1/0/0", "t/0@v0/g1/0/1", "t/1@v0/g1/0/g");
                for (int i = 0; i < first.size(); i++) {
                    ConsumerRecord<String, Sample> r = first.get(i);
                    Sample s = r.value();
                    assertThat(r.key()).isEqualTo(s.getSampleId());
                    assertThat(r.timestamp()).as("logical clock from the checkpoint's time").isEqualTo(T0 + 5 + i + 1);
                    assertThat(s.getPolicyVersion()).isZero();
                    assertThat(s.getRun()).isEqualTo(run);
                    assertThat(s.getGeneratorId()).isEqualTo("g1");
                    assertThat(s.getGreedy()).isEqualTo(i % 3 == 0);
                    assertThat(s.getTemperature()).isEqualTo(i % 3 == 0 ? 0f : 1f);
                    assertThat(s.getPromptTokenIds()).isEqualTo(ints(Tokenizer.bytes().encode(prompt(s.getProblemId()))));
                    int n = s.getTokenIds().size();
                    assertThat(n).isBetween(1, 12);
                    assertThat(s.getTokenStarts()).hasSize(n);
                    assertThat(s.getTokenEnds()).hasSize(n);
                    assertThat(s.getLogProbs()).hasSize(n).allMatch(lp -> lp <= 0f && Float.isFinite(lp));
                    assertThat(s.getFinishReason()).isIn("eos", "stop", "length");
                }
                // Greedy decoding is deterministic: the same problem's greedy program is the same in both rounds.
                assertThat(first.get(9).value().getCompletion()).isEqualTo(first.get(0).value().getCompletion());

                // A checkpoint whose digest does not match is refused: dead letter, the weights stay at v0.
                String wrong = "0".repeat(64);
                send(env, producer, topics.checkpoints(), run, checkpoint(run, 1, 2, v1, wrong), T0 + 100);
                send(env, producer, topics.checkpoints(), run, "not avro".getBytes(), T0 + 101);
                send(env, producer, topics.learnerSteps(), run, step(run, 2), T0 + 102); // room for one more round
                await().atMost(Duration.ofSeconds(30)).until(() -> read(env, topics.deadLetter(), DeadLetter.class).size() >= 2);
                List<DeadLetter> dead = read(env, topics.deadLetter(), DeadLetter.class).stream().map(ConsumerRecord::value).toList();
                assertThat(dead).anySatisfy(d -> {
                    assertThat(d.getTopic()).isEqualTo(topics.checkpoints());
                    assertThat(d.getReason()).contains("checkpoint v1 refused, keeping v0").contains(wrong);
                    assertThat(d.getService()).isEqualTo("generator/g1");
                });
                assertThat(dead).anySatisfy(d -> assertThat(d.getValue().array()).isEqualTo("not avro".getBytes()));
                await().atMost(Duration.ofSeconds(30)).until(() -> read(env, topics.samples(), Sample.class).size() >= 18);
                assertThat(read(env, topics.samples(), Sample.class)).allMatch(r -> r.value().getPolicyVersion() == 0);

                // The same checkpoint with its true digest is adopted between rounds; its samples say v1.
                send(env, producer, topics.checkpoints(), run, checkpoint(run, 1, 4, v1, v1.sha256()), T0 + 200);
                await().atMost(Duration.ofSeconds(30)).until(() -> read(env, topics.samples(), Sample.class).stream()
                        .anyMatch(r -> r.value().getPolicyVersion() == 1));
                List<ConsumerRecord<String, Sample>> all = read(env, topics.samples(), Sample.class);
                List<ConsumerRecord<String, Sample>> v1Samples = all.stream().filter(r -> r.value().getPolicyVersion() == 1).toList();
                assertThat(v1Samples.get(0).key()).endsWith("@v1/g1/0/g");
                assertThat(v1Samples.get(0).timestamp()).isEqualTo(T0 + 200 + 1);
                assertThat(all).extracting(ConsumerRecord::key).doesNotHaveDuplicates();
                assertThat(all).noneMatch(r -> r.value().getProblemId().equals("x/0"));
            } finally {
                generator.close();
                thread.join(30_000);
            }
            assertThat(generator.failure()).isNull();

            // A restarted generator continues its round count under v1 and never reuses a sample id.
            int before = read(env, topics.samples(), Sample.class).size();
            // The run's 24 samples count against it: step 6 makes room for one round (12 + 3 * 6 = 30).
            send(env, producer, topics.learnerSteps(), run, step(run, 6), T0 + 300);
            config.put(GeneratorConfig.MAX_ROUNDS_CONFIG, "1");
            GeneratorService again = new GeneratorService(config);
            again.run();
            List<ConsumerRecord<String, Sample>> after = read(env, topics.samples(), Sample.class);
            assertThat(after).hasSize(before + 6);
            assertThat(after).extracting(ConsumerRecord::key).doesNotHaveDuplicates();
            assertThat(after.get(after.size() - 1).timestamp()).isGreaterThan(after.get(before - 1).timestamp());
        }
    }

    @Test
    void aSampleTheBrokerRefusesStopsTheGeneratorAndNothingOfItsRoundIsPublished(KafkaEnv env) throws Exception {
        String run = env.createRun("generator-refused");
        Topics topics = Topics.forRun(run);
        Map<String, Object> config = setUp(env, run, "g1");
        // Every sample is larger than this: the broker-side limit a send can hit, and that no retry fixes.
        config.put("producer.max.request.size", "100");
        config.put(GeneratorConfig.MAX_ROUNDS_CONFIG, "1");
        GeneratorService generator = new GeneratorService(config);
        assertThatThrownBy(generator::run).isInstanceOf(KafkaException.class).hasMessageContaining("refused")
                .hasMessageContaining(topics.samples());
        assertThat(generator.rounds()).as("a round counts only once it is published").isZero();
        assertThat(read(env, topics.samples(), Sample.class)).isEmpty();
    }

    @Test
    void aSecondGeneratorFindsTheRoomTheFirstOneUsedTaken(KafkaEnv env) throws Exception {
        String run = env.createRun("generator-shared-limit");
        Topics topics = Topics.forRun(run);
        Map<String, Object> a = setUp(env, run, "a");
        GeneratorService first = new GeneratorService(a);
        Thread firstThread = new Thread(first, "generator-a");
        firstThread.start();
        try {
            // Two rounds of 2 * (2 + 1): the run's whole allowance (error buffer 12) before the learner's first step.
            await().atMost(Duration.ofSeconds(60)).until(() -> read(env, topics.samples(), Sample.class).size() >= 12);
            Map<String, Object> b = new HashMap<>(a);
            b.put(GeneratorConfig.GENERATOR_ID_CONFIG, "b");
            GeneratorService second = new GeneratorService(b);
            Thread secondThread = new Thread(second, "generator-b");
            secondThread.start();
            try {
                // Long enough for it to read the run, load v0 and publish, had it room.
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(15))
                        .until(() -> read(env, topics.samples(), Sample.class).size() == 12);
                first.close();
                firstThread.join(30_000);
                // Step 2 adds 3 * 2 = 6: one round, and the second generator takes it.
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientConfig(),
                        new StringSerializer(), new ByteArraySerializer())) {
                    send(env, producer, topics.learnerSteps(), run, step(run, 2), T0 + 50);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> second.rounds() == 1);
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> read(env, topics.samples(), Sample.class).size() == 18);
            } finally {
                second.close();
                secondThread.join(30_000);
            }
            assertThat(second.failure()).isNull();
        } finally {
            first.close();
            firstThread.join(30_000);
        }
        assertThat(first.failure()).isNull();
        assertThat(read(env, topics.samples(), Sample.class)).extracting(r -> r.value().getGeneratorId())
                .containsOnly("a", "b").filteredOn("b"::equals).hasSize(6);
    }

    @Test
    void withTheBrokerUnreachableItSoonFailsNamingTheServersAndWhatItWasDoing() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens here once it is closed
        }
        Map<String, Object> config = new HashMap<>();
        config.put(GeneratorConfig.RUN_CONFIG, "nowhere");
        config.put(GeneratorConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        config.put(GeneratorConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:" + port);
        config.put("startup.timeout.ms", "3000");
        GeneratorService generator = new GeneratorService(config);
        long start = System.nanoTime();
        assertThatThrownBy(generator::run).hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("Kafka cluster").hasMessageContaining("startup.timeout.ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    /** A run with three training problems and checkpoint v0; the config of generator {@code id}: round 6, buffer 12. */
    private Map<String, Object> setUp(KafkaEnv env, String run, String id) throws Exception {
        Topics topics = Topics.forRun(run);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientConfig(), new StringSerializer(),
                new ByteArraySerializer());
             Policy p0 = Policy.create(MODEL, Tokenizer.bytes(), 1)) {
            for (int i = 0; i < 3; i++) send(env, producer, topics.problems(), "t/" + i, problem("t/" + i, "train"), T0);
            CheckpointInfo v0 = p0.save(store.resolve(run).resolve("v0"));
            send(env, producer, topics.checkpoints(), run, checkpoint(run, 0, 0, v0, v0.sha256()), T0 + 5);
        }
        Map<String, Object> config = env.clientConfig();
        config.put(GeneratorConfig.RUN_CONFIG, run);
        config.put(GeneratorConfig.GENERATOR_ID_CONFIG, id);
        config.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        config.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, "2");
        config.put(GeneratorConfig.BATCH_PROBLEMS_CONFIG, "2");
        config.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, "12");
        config.put(GeneratorConfig.RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, "3");
        config.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, "12");
        config.put(GeneratorConfig.POLL_TIMEOUT_MS_CONFIG, "50");
        return config;
    }

    private static String prompt(String id) {
        return "# Task " + id + ": return the sum of a and b.\ndef add(a, b):\n";
    }

    private static Problem problem(String id, String split) {
        return Problem.newBuilder().setRun("").setId(id).setDataset("t").setSplit(split).setPrompt(prompt(id))
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of("assert add(1, 2) == 3")).build())
                .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0", "    return a + b\n")))
                .build();
    }

    private static Checkpoint checkpoint(String run, long version, long step, CheckpointInfo info, String sha) {
        return Checkpoint.newBuilder().setRun(run).setVersion(version).setStep(step).setUri(info.dir().toUri().toString())
                .setSha256(sha).setSizeBytes(info.sizeBytes()).setModelConfig(MODEL.toJson()).build();
    }

    private static LearnerStep step(String run, long step) {
        return LearnerStep.newBuilder().setRun(run).setStep(step).setPolicyVersion(0).setSeed(0).setSampleIds(List.of())
                .setReferenceIds(List.of()).setLoss(0).setLossRl(0).setLossSl(0).setGradNorm(0).setLr(0).setMeanReward(0)
                .setMeanPolicyLag(0).build();
    }

    private static void send(KafkaEnv env, KafkaProducer<String, byte[]> producer, String topic, String key,
                             Object value, long timestamp) throws Exception {
        byte[] bytes;
        if (value instanceof byte[] b) {
            bytes = b;
        } else {
            try (AvroSerializer<SpecificRecord> s = new AvroSerializer<>(env.clientConfig(), false)) {
                bytes = s.serialize(topic, (SpecificRecord) value);
            }
        }
        producer.send(new ProducerRecord<>(topic, null, timestamp, key, bytes)).get();
    }

    static <T> List<ConsumerRecord<String, T>> read(KafkaEnv env, String topic, Class<T> type) {
        Map<String, Object> c = new HashMap<>(env.clientConfig());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new AvroDeserializer<>(type, env.clientConfig(), false))) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        // One partition per topic except samples: order by timestamp then offset for a stable view.
        out.sort(java.util.Comparator.comparingLong(ConsumerRecord<String, T>::timestamp)
                .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    private static List<Integer> ints(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) l.add(v);
        return l;
    }
}
