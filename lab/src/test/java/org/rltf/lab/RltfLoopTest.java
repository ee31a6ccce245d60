package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rltf.lab.LoopTestKit.read;
import static org.rltf.lab.LoopTestKit.values;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.BaselineSource;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.Sample;
import org.rltf.grader.GraderConfig;
import org.rltf.lab.run.InProcessLoop;
import org.rltf.lab.run.LabConfigs;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.policy.Checkpoints;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.streams.RewardConfig;
import org.rltf.streams.Rewards;

/**
 * The whole loop on the real broker: one generator, two graders, the buffer and the learner in this JVM, a small
 * model and four MBPP training problems.
 */
@ExtendWith(KafkaExtension.class)
class RltfLoopTest {

    @TempDir Path tmp;

    @Test
    void checkpointsAppearGeneratorsSwitchRewardsMatchFeedbackAndStepsNameRealSamples(KafkaEnv env) throws Exception {
        String run = env.createRun("loop");
        Topics topics = Topics.forRun(run);
        long start = System.nanoTime();
        LabConfigs d = LoopTestKit.configs(env, run, tmp.resolve("run"), 6, 2);
        List<Problem> problems = LoopTestKit.importMbpp(env, d, 4);
        Map<String, Object> learnerConfig = d.rltfLearner(LoopTestKit.initCheckpoint(tmp.resolve("init")));
        RewardConfig rewards = new LearnerConfig(learnerConfig).rewards();

        Map<String, Object> grader0 = d.grader(0);
        Map<String, Object> grader1 = d.grader(1);
        grader0.put(GraderConfig.PARALLELISM_CONFIG, "1");
        grader1.put(GraderConfig.PARALLELISM_CONFIG, "1");
        try (InProcessLoop loop = InProcessLoop.start(List.of(grader0, grader1), learnerConfig, d.generator(), null,
                new SimpleMeterRegistry(), new LearnerService.Listener() {}, null)) {
            loop.awaitLearner(Duration.ofMinutes(4));
            // The generator keeps going after the learner: it must come to sample with a newer checkpoint.
            await().atMost(Duration.ofSeconds(60)).until(() -> values(read(env, topics.samples(), Sample.class))
                    .stream().anyMatch(s -> s.getPolicyVersion() >= 2));
            assertThat(loop.failures()).isEmpty();
        }
        System.out.printf("loop test: learner and generator done in %.1f s%n", (System.nanoTime() - start) / 1e9);

        // Checkpoints v0..v3 at steps 0, 2, 4, 6, each verifiable on disk.
        List<ConsumerRecord<String, Checkpoint>> checkpoints = read(env, topics.checkpoints(), Checkpoint.class);
        assertThat(checkpoints).extracting(r -> r.value().getVersion()).containsExactly(0L, 1L, 2L, 3L);
        assertThat(checkpoints).extracting(r -> r.value().getStep()).containsExactly(0L, 2L, 4L, 6L);
        for (ConsumerRecord<String, Checkpoint> c : checkpoints)
            assertThat(Checkpoints.verify(Path.of(URI.create(c.value().getUri())), c.value().getSha256()))
                    .isEqualTo(c.value().getSha256());
        Map<Long, Long> checkpointTime = checkpoints.stream()
                .collect(Collectors.toMap(r -> r.value().getVersion(), ConsumerRecord::timestamp));

        // The generator switched: samples carry newer versions, each stamped after its checkpoint's event.
        List<ConsumerRecord<String, Sample>> sampleRecords = read(env, topics.samples(), Sample.class);
        Map<String, Sample> samples = sampleRecords.stream()
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertThat(samples).hasSize(sampleRecords.size()); // sample ids are unique
        Set<Long> versions = samples.values().stream().map(Sample::getPolicyVersion).collect(Collectors.toSet());
        assertThat(versions).contains(0L).isSubsetOf(checkpointTime.keySet());
        assertThat(versions.stream().mapToLong(Long::longValue).max().orElse(0)).isGreaterThanOrEqualTo(2);
        for (ConsumerRecord<String, Sample> r : sampleRecords)
            assertThat(r.timestamp()).isGreaterThan(checkpointTime.get(r.value().getPolicyVersion()));

        // Every experience carries exactly the rewards its feedback earns (recomputed here with Rewards), and a
        // sampled program's baseline is the reward of the greedy program of its problem and version.
        Map<String, Feedback> feedback = read(env, topics.feedback(), Feedback.class).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        List<Experience> experiences = values(read(env, topics.experience(), Experience.class));
        assertThat(experiences).isNotEmpty();
        Map<String, Float> greedyReward = new HashMap<>();
        for (Experience e : experiences)
            if (e.getGreedy()) greedyReward.put(e.getProblemId() + "@" + e.getPolicyVersion(), e.getReward());
        for (Experience e : experiences) {
            Sample s = samples.get(e.getSampleId());
            Feedback f = feedback.get(e.getSampleId());
            assertThat(s).as("sample of " + e.getSampleId()).isNotNull();
            assertThat(f).as("feedback of " + e.getSampleId()).isNotNull();
            assertThat(f.getOutcome()).isNotEqualTo(Outcome.SANDBOX_ERROR);
            assertThat(e).isEqualTo(Rewards.experience(s, f, e.getBaseline(), e.getBaselineSource(), rewards));
            Float greedy = greedyReward.get(e.getProblemId() + "@" + e.getPolicyVersion());
            if (greedy != null) {
                assertThat(e.getBaseline()).isEqualTo(greedy);
                assertThat(e.getBaselineSource()).isEqualTo(BaselineSource.GREEDY);
            }
        }

        // Steps 1..6 exactly once, naming only sampled programs that exist (and were rewarded) and real references.
        Set<String> experienced = experiences.stream().map(Experience::getSampleId).collect(Collectors.toSet());
        Set<String> references = new HashSet<>();
        for (Problem p : problems) for (ReferenceSolution r : p.getReferenceSolutions()) references.add(r.getId());
        List<LearnerStep> steps = values(read(env, topics.learnerSteps(), LearnerStep.class));
        assertThat(steps).extracting(LearnerStep::getStep).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        for (LearnerStep s : steps) {
            assertThat(s.getSampleIds()).isNotEmpty().allSatisfy(id -> {
                assertThat(samples).containsKey(id);
                assertThat(samples.get(id).getGreedy()).isFalse();
                assertThat(experienced).contains(id);
                assertThat(samples.get(id).getPolicyVersion()).isLessThanOrEqualTo(s.getPolicyVersion());
            });
            assertThat(s.getReferenceIds()).isNotEmpty().allMatch(references::contains);
            assertThat(s.getLossSl()).isPositive();
        }
        System.out.printf("loop test: %d samples, %d feedback, %d experiences, versions %s, %.1f s in all%n",
                samples.size(), feedback.size(), experiences.size(), versions, (System.nanoTime() - start) / 1e9);
    }

    @Test
    void malformedAndUnknownProblemSamplesAreDeadLetteredAndTheLoopKeepsGoing(KafkaEnv env) throws Exception {
        String run = env.createRun("dead-letters");
        Topics topics = Topics.forRun(run);
        LabConfigs d = LoopTestKit.configs(env, run, tmp.resolve("run"), 2, 1);
        LoopTestKit.importMbpp(env, d, 2);

        // Two bad samples before anything else: bytes that are not an Avro event, and a sample of no known problem.
        byte[] garbage = {1, 2, 3, 4};
        Sample unknown = Sample.newBuilder().setRun(run).setSampleId("nope@v0/x/0/0").setProblemId("mbpp/does-not-exist")
                .setPolicyVersion(0).setCompletion("pass\n").setTokenIds(List.of(112)).setTokenStarts(List.of(0))
                .setTokenEnds(List.of(1)).setLogProbs(List.of(-1f)).setTemperature(1f).setSeed(0).setGeneratorId("x").build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientConfig(), new StringSerializer(),
                new ByteArraySerializer());
             AvroSerializer<Sample> serializer = new AvroSerializer<>(env.clientConfig(), false)) {
            producer.send(new ProducerRecord<>(topics.samples(), null, d.settings().epochMs(), "garbage", garbage)).get();
            producer.send(new ProducerRecord<>(topics.samples(), TopicRecords.partition(producer, topics.samples(), unknown),
                    d.settings().epochMs(), unknown.getSampleId(),
                    serializer.serialize(topics.samples(), unknown))).get();
        }

        Map<String, Object> learnerConfig = d.rltfLearner(LoopTestKit.initCheckpoint(tmp.resolve("init")));
        try (InProcessLoop loop = InProcessLoop.start(List.of(d.grader(0)), learnerConfig, d.generator(), null,
                new SimpleMeterRegistry(), new LearnerService.Listener() {}, null)) {
            // The learner trains on what the generator and grader produce after the bad records.
            loop.awaitLearner(Duration.ofMinutes(3));
            assertThat(loop.failures()).isEmpty();
        }

        List<DeadLetter> dead = values(read(env, topics.deadLetter(), DeadLetter.class));
        assertThat(dead).anySatisfy(l -> {
            assertThat(l.getService()).startsWith("grader/");
            assertThat(l.getTopic()).isEqualTo(topics.samples());
            assertThat(l.getValue().array()).isEqualTo(garbage);
            assertThat(l.getReason()).containsIgnoringCase("decode");
        });
        assertThat(dead).anySatisfy(l -> {
            assertThat(l.getService()).startsWith("grader/");
            assertThat(new String(l.getKey().array())).isEqualTo(unknown.getSampleId());
            assertThat(l.getReason()).contains("unknown problem").contains("mbpp/does-not-exist");
        });
        // Every generated sample was graded, the bad ones were not, and the learner finished its steps.
        Set<String> graded = read(env, topics.feedback(), Feedback.class).stream().map(ConsumerRecord::key)
                .collect(Collectors.toSet());
        assertThat(graded).isNotEmpty().doesNotContain("garbage", unknown.getSampleId());
        assertThat(values(read(env, topics.learnerSteps(), LearnerStep.class))).extracting(LearnerStep::getStep)
                .containsExactly(1L, 2L);
    }
}
