package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.BaselineSource;
import org.rltf.events.Checkpoint;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.policy.Checkpoints;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.RewardConfig;
import org.rltf.streams.Rewards;

/**
 * The learner against the real broker with its embedded buffer. The test plays generator and grader: it publishes
 * samples and their feedback itself, so the buffer's experiences and the learner's batches can be checked exactly.
 */
@ExtendWith(KafkaExtension.class)
class LearnerServiceTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir Path store;

    @Test
    void trainsCommitsCheckpointPeriodsAndResumesWithoutGapOrRepeat(KafkaEnv env) throws Exception {
        String run = env.createRun("learner");
        Topics topics = Topics.forRun(run);
        Set<String> sampled = publish(env, run, Outcome.SYNTAX_ERROR, Outcome.PASS, Outcome.FAILURE, Outcome.RUNTIME_ERROR);

        Map<String, Object> config = config(env, run);
        List<Long> seen = new ArrayList<>();
        LearnerService learner = new LearnerService(config);
        learner.setListener(new LearnerService.Listener() {
            @Override public void onStep(LearnerStep step) { seen.add(step.getStep()); }
        });
        learner.run();
        assertThat(learner.failure()).isNull();
        assertThat(seen).containsExactly(1L, 2L, 3L, 4L);
        assertThat(learner.committedStep()).isEqualTo(4);
        assertThat(learner.committedVersion()).isEqualTo(2);

        // Checkpoints v0 (initial weights, step 0), v1 (step 2), v2 (step 4), each verifiable on disk.
        List<ConsumerRecord<String, Checkpoint>> checkpoints = read(env, topics.checkpoints(), Checkpoint.class);
        assertThat(checkpoints).extracting(r -> r.value().getVersion()).containsExactly(0L, 1L, 2L);
        assertThat(checkpoints).extracting(r -> r.value().getStep()).containsExactly(0L, 2L, 4L);
        assertThat(checkpoints.get(0).timestamp()).isEqualTo(T0 - 1000);
        for (ConsumerRecord<String, Checkpoint> r : checkpoints) {
            Path dir = Path.of(URI.create(r.value().getUri()));
            assertThat(dir).startsWith(store.resolve(run));
            assertThat(Checkpoints.verify(dir, r.value().getSha256())).isEqualTo(r.value().getSha256());
        }
        assertThat(checkpoints.get(2).value().getMetrics()).containsKeys("loss", "mean_reward", "steps");

        // Steps 1..4, each naming only sampled programs that exist and reference solutions of the problems.
        List<LearnerStep> steps = read(env, topics.learnerSteps(), LearnerStep.class).stream().map(ConsumerRecord::value).toList();
        assertThat(steps).extracting(LearnerStep::getStep).containsExactly(1L, 2L, 3L, 4L);
        assertThat(steps).extracting(LearnerStep::getPolicyVersion).containsExactly(0L, 0L, 1L, 1L);
        assertThat(steps).extracting(LearnerStep::getCheckpointVersion).containsExactly(null, 1L, null, 2L);
        for (LearnerStep s : steps) {
            assertThat(s.getSampleIds()).hasSize(3).doesNotHaveDuplicates().allMatch(sampled::contains);
            assertThat(s.getReferenceIds()).hasSize(2).allMatch(id -> id.equals("p/1#0") || id.equals("p/2#0"));
            assertThat(s.getSeed()).isEqualTo(BatchSampler.stepSeed(42, s.getStep()));
            assertThat(s.getRlTokens()).isEqualTo(3 * "    x = 1\n    return y\n".length());
            assertThat(s.getSlTokens()).isPositive();
            assertThat(s.getLossSl()).isPositive();
            assertThat(Double.isFinite(s.getLoss())).isTrue();
            assertThat(s.getGradNorm()).isPositive();
        }

        // The buffer's experiences carry the rewards of their feedback (recomputed here with Rewards).
        Map<String, Sample> samples = byKey(read(env, topics.samples(), Sample.class));
        Map<String, Feedback> feedback = byKey(read(env, topics.feedback(), Feedback.class));
        List<Experience> experiences = read(env, topics.experience(), Experience.class).stream().map(ConsumerRecord::value).toList();
        assertThat(experiences).hasSize(8);
        for (Experience e : experiences) {
            Experience expected = Rewards.experience(samples.get(e.getSampleId()), feedback.get(e.getSampleId()),
                    e.getBaseline(), BaselineSource.GREEDY, RewardConfig.DEFAULTS);
            assertThat(e).isEqualTo(expected);
            assertThat(e.getBaseline()).isEqualTo(-1f); // the greedy programs are syntax errors
        }

        // Each step's statistics of its RL half are those of the experiences it names.
        Map<String, Experience> byId = experiences.stream().collect(Collectors.toMap(Experience::getSampleId, e -> e));
        for (LearnerStep s : steps) {
            List<Experience> drawn = s.getSampleIds().stream().map(byId::get).toList();
            double advantage = 0;
            for (Experience e : drawn) for (float a : Rewards.advantages(e)) advantage += a;
            assertThat(s.getMeanAdvantage()).isCloseTo(advantage / s.getRlTokens(), within(1e-6));
            assertThat(s.getMeanReward()).isCloseTo(drawn.stream().mapToDouble(Experience::getReward).average()
                    .orElseThrow(), within(1e-6));
            Map<String, Integer> histogram = new HashMap<>();
            for (Experience e : drawn) histogram.merge(e.getOutcome().name(), 1, Integer::sum);
            assertThat(s.getRlOutcomes()).isEqualTo(histogram);
            assertThat(s.getRlOutcomes().keySet()).isSubsetOf("PASS", "FAILURE", "RUNTIME_ERROR");
            assertThat(s.getMissingBaselineShare()).isZero(); // every problem had its greedy program
        }

        // The buffer's Streams state stays in the run's directory of the store, for the next start to reuse.
        assertThat(store.resolve(run).resolve("buffer-state")).isDirectory();

        // A new learner on the same run resumes at step 5 and version 3: no gap, no repeat.
        config.put(LearnerConfig.STEPS_CONFIG, "6");
        LearnerService again = new LearnerService(config);
        again.run();
        assertThat(again.failure()).isNull();
        assertThat(read(env, topics.learnerSteps(), LearnerStep.class)).extracting(r -> r.value().getStep())
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(read(env, topics.checkpoints(), Checkpoint.class)).extracting(r -> r.value().getVersion())
                .containsExactly(0L, 1L, 2L, 3L);
        List<ConsumerRecord<String, LearnerStep>> all = read(env, topics.learnerSteps(), LearnerStep.class);
        assertThat(all.get(4).value().getPolicyVersion()).isEqualTo(2);
        for (int i = 1; i < all.size(); i++) assertThat(all.get(i).timestamp()).isGreaterThan(all.get(i - 1).timestamp());
    }

    /**
     * Problems p/1 and p/2, each with a greedy program of {@code outcomes[0]} and three sampled ones of the others, and
     * their feedback; returns the sampled programs' ids.
     */
    private static Set<String> publish(KafkaEnv env, String run, Outcome... outcomes) throws Exception {
        Topics topics = Topics.forRun(run);
        Set<String> sampled = new java.util.HashSet<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            for (String id : List.of("p/1", "p/2")) send(env, producer, topics.problems(), id, problem(id), T0);
            long t = T0;
            for (String problem : List.of("p/1", "p/2")) {
                for (int i = 0; i < 4; i++) {
                    boolean greedy = i == 0;
                    String id = problem + "@v0/test/0/" + (greedy ? "g" : Integer.toString(i));
                    if (!greedy) sampled.add(id);
                    Sample s = sample(run, id, problem, "    x = 1\n    return y\n", greedy);
                    send(env, producer, topics.samples(), id, s, ++t);
                    send(env, producer, topics.feedback(), id, feedback(run, s, outcomes[i]), t);
                }
            }
        }
        return sampled;
    }

    private Map<String, Object> config(KafkaEnv env, String run) {
        Map<String, Object> config = env.clientConfig();
        config.put(LearnerConfig.RUN_CONFIG, run);
        config.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        config.put(LearnerConfig.STEPS_CONFIG, "4");
        config.put(LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, "2");
        config.put(LearnerConfig.RL_BATCH_CONFIG, "3");
        config.put(LearnerConfig.SL_BATCH_CONFIG, "2");
        config.put(LearnerConfig.MICRO_BATCH_CONFIG, "2");
        config.put(LearnerConfig.LR_CONFIG, "1e-3");
        config.put(LearnerConfig.WARMUP_STEPS_CONFIG, "0");
        config.put(LearnerConfig.RUN_EPOCH_MS_CONFIG, Long.toString(T0 - 1000));
        config.put(BufferConfig.MIN_FILL_CONFIG, "8");
        config.put(BufferConfig.MAX_POLICY_LAG_CONFIG, "100");
        config.put(BufferConfig.SNAPSHOT_INTERVAL_STEPS_CONFIG, "2");
        config.put(BufferConfig.BASELINE_WAIT_MS_CONFIG, "50000"); // siblings wait for their greedy program
        config.put(BufferConfig.JOIN_WINDOW_MS_CONFIG, "1000");
        config.put(BufferConfig.GRACE_MS_CONFIG, "1000");
        config.put(BufferConfig.HORIZON_MS_CONFIG, "100000");
        return config;
    }

    @Test
    void withTheSignalDrawEachBatchHoldsOnlyProgramsWhoseAdvantageIsNonZero(KafkaEnv env) throws Exception {
        String run = env.createRun("learner-signal");
        // Greedy FAILURE (1 of 3 passed): b = -0.3 + 1.3 / 3. Above it only the PASS; with negative.scale 0 the FAILURE
        // (A = 0) and the RUNTIME_ERROR (A < 0, and its penalised line) add nothing to the gradient.
        publish(env, run, Outcome.FAILURE, Outcome.PASS, Outcome.FAILURE, Outcome.RUNTIME_ERROR);
        Map<String, Object> config = config(env, run);
        config.put(LearnerConfig.STEPS_CONFIG, "2");
        config.put(RewardConfig.NEGATIVE_SCALE_CONFIG, "0");
        config.put(LearnerConfig.RL_DRAW_CONFIG, LearnerConfig.RL_DRAW_SIGNAL);
        LearnerService learner = new LearnerService(config);
        learner.run();
        assertThat(learner.failure()).isNull();

        Topics topics = Topics.forRun(run);
        Map<String, Experience> byId = read(env, topics.experience(), Experience.class).stream().map(ConsumerRecord::value)
                .collect(Collectors.toMap(Experience::getSampleId, e -> e));
        assertThat(byId).hasSize(8);
        List<LearnerStep> steps = read(env, topics.learnerSteps(), LearnerStep.class).stream().map(ConsumerRecord::value).toList();
        assertThat(steps).hasSize(2);
        for (LearnerStep s : steps) // both passes, and nothing else, though the batch has room for 3
            assertThat(s.getSampleIds()).containsExactlyInAnyOrder("p/1@v0/test/0/1", "p/2@v0/test/0/1");
        assertThat(byId.values().stream().filter(e -> !e.getGreedy()).filter(RltfLoss::entersGradient)
                .map(Experience::getSampleId)).containsExactlyInAnyOrder("p/1@v0/test/0/1", "p/2@v0/test/0/1");
    }

    private static Problem problem(String id) {
        return Problem.newBuilder().setRun("").setId(id).setDataset("t").setSplit("train")
                .setPrompt("def f(y):\n")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of("assert f(1) == 1")).build())
                .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0", "    return y\n"))).build();
    }

    private static Sample sample(String run, String id, String problem, String text, boolean greedy) {
        List<Integer> tokens = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Float> logProbs = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            tokens.add((int) text.charAt(i));
            starts.add(i);
            ends.add(i + 1);
            logProbs.add(-5.5f);
        }
        return Sample.newBuilder().setRun(run).setSampleId(id).setProblemId(problem).setPolicyVersion(0)
                .setCompletion(text).setPromptTokenIds(List.of(100, 101, 102)).setTokenIds(tokens).setTokenStarts(starts)
                .setTokenEnds(ends).setLogProbs(logProbs).setTemperature(greedy ? 0f : 1f).setSeed(1).setGreedy(greedy)
                .setGeneratorId("test").build();
    }

    private static Feedback feedback(String run, Sample s, Outcome outcome) {
        Feedback.Builder b = Feedback.newBuilder().setRun(run).setSampleId(s.getSampleId()).setProblemId(s.getProblemId())
                .setPolicyVersion(0).setOutcome(outcome).setPassed(outcome == Outcome.PASS ? 3 : outcome == Outcome.FAILURE ? 1 : 0)
                .setTotal(3).setErrorCategory(ErrorCategory.NONE).setGraderId("test");
        if (outcome == Outcome.RUNTIME_ERROR) // NameError on the second line: characters 10..22
            b.setErrorClass("NameError").setErrorLine(2).setErrorCategory(ErrorCategory.U_LINE).setErrorSpanStart(10).setErrorSpanEnd(22);
        if (outcome == Outcome.SYNTAX_ERROR)
            b.setErrorClass("SyntaxError").setErrorLine(2).setErrorCategory(ErrorCategory.U_GLOBAL);
        return b.build();
    }

    private static void send(KafkaEnv env, KafkaProducer<String, byte[]> producer, String topic, String key,
                             SpecificRecord value, long timestamp) throws Exception {
        try (AvroSerializer<SpecificRecord> s = new AvroSerializer<>(env.clientConfig(), false)) {
            producer.send(new ProducerRecord<>(topic, TopicRecords.partition(producer, topic, value), timestamp, key,
                    s.serialize(topic, value))).get();
        }
    }

    private static <T> Map<String, T> byKey(List<ConsumerRecord<String, T>> records) {
        return records.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value, (a, b) -> b));
    }

    static <T> List<ConsumerRecord<String, T>> read(KafkaEnv env, String topic, Class<T> type) {
        Map<String, Object> c = new HashMap<>(env.clientConfig());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new AvroDeserializer<>(type, env.clientConfig(), false))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        out.sort(Comparator.comparingLong(ConsumerRecord<String, T>::timestamp).thenComparingLong(ConsumerRecord::offset));
        return out;
    }
}
