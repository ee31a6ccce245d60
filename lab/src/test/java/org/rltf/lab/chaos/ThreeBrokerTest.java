package org.rltf.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.EmbeddedCluster;
import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.data.Datasets;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.TopicLayoutConfig;
import org.rltf.lab.run.InProcessLoop;
import org.rltf.lab.run.LabConfigs;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.LabSettings;
import org.rltf.lab.run.ProblemImport;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;

/**
 * The lab's loop (a generator, two graders, the buffer and the learner in this JVM, with the chaos run's tiny model)
 * on three brokers in this JVM, its topics with three replicas and two in sync: one broker, the leader of the
 * learner's step log, is stopped while the run goes on and started again. Asserts that every service kept producing
 * while it was down, that it caught up when back, and, from the chaos run's {@link Audit} of every topic, the chaos
 * run's counts: no sample lost or published twice, one feedback per sample, one experience per non-SANDBOX verdict,
 * learner steps and checkpoint versions without gap or repeat, every digest right. It waits on counts, never on
 * timings.
 */
class ThreeBrokerTest {
    private static final int PROBLEMS = 4;
    /** Committed learner steps before the stop, while the broker is down, and after it is back. */
    private static final int STEPS_BEFORE = 2;
    private static final int STEPS_DOWN = 4;
    private static final int STEPS_AFTER = 2;
    private static final Duration PHASE = Duration.ofMinutes(2);

    @TempDir Path tmp;

    @Test
    void theRunGoesOnWhileOneOfThreeBrokersIsDownAndLosesAndRepeatsNothing() throws Exception {
        long begin = System.nanoTime();
        String run = "three";
        Topics topics = Topics.forRun(run);
        try (EmbeddedCluster kafka = EmbeddedCluster.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(Map.of(
                     SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     SchemaRegistryConfig.LISTENERS_CONFIG, "http://127.0.0.1:0"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            say(begin, "3 brokers and the registry up");
            Map<String, Object> cluster = new HashMap<>();
            cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
            Map<String, Object> layout = new HashMap<>(cluster);
            layout.put(TopicLayoutConfig.REPLICATION_FACTOR_CONFIG, "3");
            ProblemImport.createTopics(layout, run);
            Map<String, TopicDescription> described = admin.describeTopics(topics.all()).allTopicNames().get();
            assertThat(described.values()).allSatisfy(d -> assertThat(d.partitions())
                    .allSatisfy(p -> assertThat(p.replicas()).as(d.name()).hasSize(3)));
            for (String t : topics.all()) {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t);
                assertThat(admin.describeConfigs(List.of(r)).all().get().get(r).get("min.insync.replicas").value())
                        .as(t).isEqualTo("2");
            }

            long epoch = System.currentTimeMillis();
            ProblemImport.publish(cluster, run, LabProblems.limit(Datasets.split(Datasets.load("mbpp"), "train"),
                    PROBLEMS), epoch);
            Path init;
            try (Policy p = Policy.create(ChaosRun.MODEL, Tokenizer.bytes(), 7)) {
                init = p.save(tmp.resolve("init")).dir();
            }
            // The chaos run's settings; the learner has no step limit (it stops after the drain, as there).
            LabSettings settings = new LabSettings(run, tmp.resolve("run"), epoch, 7, "mbpp", PROBLEMS, 0, 0.0, "tiny",
                    0, 0, 0, 1_000_000L, 0, 2, 2, 2, 32, 1.0f, 2, 3e-3, 2, 2, 2, 1, false, 1, "greedy", 1, 1.0, 1.0, 0.0, "uniform",
                    Map.of(LearnerConfig.SL_MAX_TOKENS_CONFIG, "96"));
            LabConfigs configs = new LabConfigs(settings, cluster);
            Map<String, Object> grader0 = configs.grader(0);
            Map<String, Object> grader1 = configs.grader(1);
            grader0.put(GraderConfig.PARALLELISM_CONFIG, "1");
            grader1.put(GraderConfig.PARALLELISM_CONFIG, "1");

            try (Tail tail = new Tail(cluster, topics, begin); Audit audit = new Audit(cluster, topics)) {
                InProcessLoop loop = InProcessLoop.start(List.of(grader0, grader1), configs.rltfLearner(init),
                        configs.generator(), null, new SimpleMeterRegistry(), new LearnerService.Listener() {}, null);
                Map<String, Long> atRestart;
                try {
                    awaitWhileRunning(loop, () -> tail.count(topics.learnerSteps()) >= STEPS_BEFORE);
                    say(begin, "the run is going: " + counts(tail, topics));

                    // The broker that leads the learner's step log (and whatever else it leads) goes away.
                    int victim = described(admin, topics.learnerSteps()).partitions().get(0).leader().id();
                    Map<String, Integer> led = ledBy(admin, topics, victim);
                    int controller = admin.describeMetadataQuorum().quorumInfo().get().leaderId();
                    kafka.stop(victim);
                    // Counted once it is down: the run goes on during its controlled shutdown too, which is slow.
                    Map<String, Long> atStop = counts(tail, topics);
                    say(begin, "stopped broker " + victim + " (leader of " + led + "; active controller " + controller
                            + ") at " + atStop);
                    assertThat(led).containsKey(topics.learnerSteps());

                    // Every service goes on without it: new samples, feedback, experience and committed learner steps.
                    awaitWhileRunning(loop, () -> {
                        Map<String, Long> now = counts(tail, topics);
                        return now.get("steps") >= atStop.get("steps") + STEPS_DOWN
                                && now.get("samples") > atStop.get("samples") && now.get("feedback") > atStop.get("feedback")
                                && now.get("experience") > atStop.get("experience");
                    });
                    Map<String, Long> restarted = counts(tail, topics);
                    atRestart = restarted;
                    assertThat(ledBy(admin, topics, victim)).isEmpty();
                    kafka.start(victim);
                    say(begin, "broker " + victim + " started again at " + restarted);

                    // Back, it catches up on everything it missed while the run goes on.
                    awaitWhileRunning(loop, () -> tail.count(topics.learnerSteps()) >= restarted.get("steps") + STEPS_AFTER);
                    kafka.awaitInSync(PHASE);
                    // The transactions' and the groups' own state is replicated as the run's topics are.
                    assertThat(admin.describeTopics(List.of("__transaction_state", "__consumer_offsets"))
                            .allTopicNames().get().values()).allSatisfy(d -> assertThat(d.partitions())
                            .allSatisfy(p -> assertThat(p.isr()).as(d.name()).hasSize(3)));
                    say(begin, "every replica in sync again at " + counts(tail, topics));

                    // Drain, as the chaos run does: no new samples; every sample graded, every verdict in the buffer;
                    // then the learner commits its last period.
                    loop.stopSampling();
                    awaitWhileRunning(loop, () -> ChaosRun.ungraded(tail, topics).isEmpty()
                            && ChaosRun.unbuffered(tail, topics, audit).isEmpty());
                } finally {
                    // Once: the learner commits its last period; the graders stop after it.
                    loop.close();
                }
                assertThat(loop.failures()).isEmpty();
                say(begin, "drained and stopped at " + counts(tail, topics));

                ChaosReport.Counts c = audit.count(settings.batchProblems() * (settings.samplesPerProblem() + 1), Map.of());
                ChaosReport report = new ChaosReport(c, List.of(), Map.of(), List.of(), "", (System.nanoTime() - begin) / 1e9);
                report.print(System.out);
                assertThat(c.samples).isGreaterThan(atRestart.get("samples"));
                assertThat(c.lostSamples).isZero();
                assertThat(c.incompleteRounds).isEmpty();
                assertThat(c.duplicateSamples).isZero();
                assertThat(c.feedback).isEqualTo(c.samples);
                assertThat(c.duplicateFeedback).isZero();
                assertThat(c.experience).isEqualTo(c.rewardableFeedback);
                assertThat(c.duplicateExperience).isZero();
                assertThat(c.steps).hasSizeGreaterThanOrEqualTo(STEPS_BEFORE + STEPS_DOWN + STEPS_AFTER);
                assertThat(ChaosReport.contiguity(c.steps, 1)).isEmpty();
                assertThat(ChaosReport.contiguity(c.versions, 0)).isEmpty();
                assertThat(c.verifiedCheckpoints).isEqualTo(c.versions.size());
                // A broker's outage is no reason to reject a record.
                assertThat(c.deadLetters).isEmpty();
                assertThat(report.failures()).isEmpty();
            }
        }
        say(begin, "done");
    }

    /** Waits (at most {@link #PHASE}) for {@code condition}, failing at once if a service fails. */
    private static void awaitWhileRunning(InProcessLoop loop, BooleanSupplier condition) {
        await().atMost(PHASE).pollInterval(Duration.ofMillis(250)).until(() -> {
            loop.throwFirstFailure();
            return condition.getAsBoolean();
        });
    }

    private static Map<String, Long> counts(Tail tail, Topics topics) {
        Map<String, Long> m = new TreeMap<>();
        m.put("samples", tail.count(topics.samples()));
        m.put("feedback", tail.count(topics.feedback()));
        m.put("experience", tail.count(topics.experience()));
        m.put("steps", tail.count(topics.learnerSteps()));
        m.put("checkpoints", tail.count(topics.checkpoints()));
        return m;
    }

    private static TopicDescription described(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    /** How many partitions of each of the run's topics {@code broker} leads. */
    private static Map<String, Integer> ledBy(Admin admin, Topics topics, int broker) throws Exception {
        Map<String, Integer> led = new TreeMap<>();
        for (TopicDescription d : admin.describeTopics(topics.all()).allTopicNames().get(30, TimeUnit.SECONDS).values())
            for (TopicPartitionInfo p : d.partitions()) {
                Node leader = p.leader();
                if (leader != null && leader.id() == broker) led.merge(d.name(), 1, Integer::sum);
            }
        return led;
    }

    private static void say(long begin, String line) {
        System.out.printf("three brokers [%5.1f s] %s%n", (System.nanoTime() - begin) / 1e9, line);
    }
}
