package org.rltf.grader.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.data.Datasets;
import org.rltf.events.DeadLetter;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.GraderConfig;
import org.rltf.schemas.Topics;

/** The grader service against the real broker and the real Python sandbox, in this JVM. */
@ExtendWith(KafkaExtension.class)
class GraderServiceTest {

    private static final String ADD = "def add(a, b):\n    return a + b\n";

    private static Map<String, Object> serviceConfig(KafkaEnv env, String run) {
        Map<String, Object> config = new HashMap<>(env.clientConfig());
        config.put(GraderServiceConfig.RUN_CONFIG, run);
        config.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "grader-0");
        config.put(GraderServiceConfig.POLL_TIMEOUT_MS_CONFIG, "100");
        config.put(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG, "8");
        config.put(GraderServiceConfig.PROGRESS_INTERVAL_MS_CONFIG, "2000");
        config.put(GraderConfig.PARALLELISM_CONFIG, "2");
        return config;
    }

    /** Runs a service on a background thread for the body of a test. */
    private static final class Running implements AutoCloseable {
        final GraderService service;
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final Future<?> done;

        Running(Map<String, Object> config) {
            service = new GraderService(config);
            done = thread.submit(service);
        }

        @Override
        public void close() throws Exception {
            service.close();
            done.get();
            thread.shutdown();
        }
    }

    @Test
    void gradesEverySampleOnceWithItsOutcomeAndEventTime(KafkaEnv env) throws Exception {
        String run = env.createRun("grader-service");
        Topics topics = Topics.forRun(run);
        ServiceTestKit kit = new ServiceTestKit(env.clientConfig());
        Problem mbpp11 = Datasets.load("mbpp").stream().filter(p -> p.getId().equals("mbpp/11")).findFirst().orElseThrow();
        Problem add = ServiceTestKit.assertProblem("test/add", "", "assert add(1, 2) == 3", "assert add(2, 2) == 4");
        kit.sendProblems(topics.problems(), mbpp11, add);

        List<Sample> samples = List.of(
                ServiceTestKit.sample(run, "s-pass", "test/add", ADD),
                ServiceTestKit.sample(run, "s-fail", "test/add", "def add(a, b):\n    return a * b\n"),
                ServiceTestKit.sample(run, "s-syntax", "test/add", "def add(a, b)\n    return a + b\n"),
                ServiceTestKit.sample(run, "s-mbpp", "mbpp/11", mbpp11.getReferenceSolutions().get(0).getCode()));
        long t0 = 1_700_000_000_000L;
        List<ProducerRecord<String, Sample>> records = new java.util.ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            records.add(new ProducerRecord<>(topics.samples(), null, t0 + i, samples.get(i).getSampleId(), samples.get(i)));
        }
        kit.send(topics.samples(), Sample.class, records);

        try (Running grader = new Running(serviceConfig(env, run))) {
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> kit.readAll(topics.feedback(), Feedback.class, true).size() >= samples.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> kit.groupCaughtUp("rltf." + run + ".grader", topics.samples()));

            List<ConsumerRecord<String, Feedback>> feedback = kit.readAll(topics.feedback(), Feedback.class, true);
            assertThat(feedback).hasSize(samples.size());
            Map<String, ConsumerRecord<String, Feedback>> bySample = feedback.stream()
                    .collect(Collectors.toMap(ConsumerRecord::key, Function.identity()));
            assertThat(bySample.get("s-pass").value().getOutcome()).isEqualTo(Outcome.PASS);
            assertThat(bySample.get("s-pass").value().getPassed()).isEqualTo(2);
            assertThat(bySample.get("s-fail").value().getOutcome()).isEqualTo(Outcome.FAILURE);
            assertThat(bySample.get("s-syntax").value().getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
            assertThat(bySample.get("s-mbpp").value().getOutcome()).isEqualTo(Outcome.PASS);
            for (int i = 0; i < samples.size(); i++) {
                ConsumerRecord<String, Feedback> r = bySample.get(samples.get(i).getSampleId());
                assertThat(r.timestamp()).as("event time of %s", r.key()).isEqualTo(t0 + i);
                assertThat(r.value().getSampleId()).isEqualTo(r.key());
                assertThat(r.value().getRun()).isEqualTo(run);
                assertThat(r.value().getPolicyVersion()).isEqualTo(3);
            }
            assertThat(grader.service.meterRegistry().get("rltf.grader.feedback").tag("outcome", "PASS").counter().count())
                    .isEqualTo(2.0);
            assertThat(grader.service.meterRegistry().get("rltf.grader.grade").timer().count()).isEqualTo(4);
        }
        assertThat(kit.readAll(topics.deadLetter(), DeadLetter.class, true)).isEmpty();
    }

    @Test
    void aLingeringTransactionTakesTheBatchesAlreadyFetchedAndStillGradesEachSampleOnce(KafkaEnv env) throws Exception {
        // 40 samples waiting, batches of 4: one transaction per batch without linger, far fewer with it. A commit
        // writes a control record after each partition's records, so the offsets it skips count the transactions.
        assertThat(transactionMarkers(env, "grader-linger-0", 0)).isGreaterThanOrEqualTo(10);
        assertThat(transactionMarkers(env, "grader-linger-60s", 60_000)).isLessThan(10);
    }

    /** Grades 40 waiting samples in batches of 4 with {@code lingerMs}; the feedback topic's transaction markers. */
    private static long transactionMarkers(KafkaEnv env, String name, long lingerMs) throws Exception {
        String run = env.createRun(name);
        Topics topics = Topics.forRun(run);
        ServiceTestKit kit = new ServiceTestKit(env.clientConfig());
        kit.sendProblems(topics.problems(), ServiceTestKit.assertProblem("test/add", "", "assert add(1, 2) == 3"));
        List<ProducerRecord<String, Sample>> records = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++)
            records.add(new ProducerRecord<>(topics.samples(), null, 10L + i, "s" + i, ServiceTestKit.sample(run, "s" + i,
                    "test/add", ADD)));
        kit.send(topics.samples(), Sample.class, records);
        Map<String, Object> config = serviceConfig(env, run);
        config.put(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG, "4");
        config.put(GraderServiceConfig.TRANSACTION_LINGER_MS_CONFIG, String.valueOf(lingerMs));
        try (Running grader = new Running(config)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> kit.groupCaughtUp("rltf." + run + ".grader", topics.samples()));
        }
        List<ConsumerRecord<String, Feedback>> feedback = kit.readAll(topics.feedback(), Feedback.class, true);
        assertThat(feedback).extracting(ConsumerRecord::key).hasSize(40).doesNotHaveDuplicates();
        Map<Integer, List<Long>> offsets = feedback.stream().collect(Collectors.groupingBy(ConsumerRecord::partition,
                Collectors.mapping(ConsumerRecord::offset, Collectors.toList())));
        long markers = 0; // each partition's last transaction's marker follows its last record: count it too
        for (List<Long> o : offsets.values()) markers += java.util.Collections.max(o) + 2 - o.size();
        return markers;
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndGradingGoesOn(KafkaEnv env) throws Exception {
        String run = env.createRun("grader-dlq");
        Topics topics = Topics.forRun(run);
        ServiceTestKit kit = new ServiceTestKit(env.clientConfig());
        kit.sendProblems(topics.problems(), ServiceTestKit.assertProblem("test/add", "", "assert add(1, 2) == 3"));

        try (Running grader = new Running(serviceConfig(env, run))) {
            kit.sendRaw(topics.samples(), "garbage", "not an avro record".getBytes(StandardCharsets.UTF_8), 5L);
            kit.send(topics.samples(), Sample.class, List.of(new ProducerRecord<>(topics.samples(), null, 6L, "s-orphan",
                    ServiceTestKit.sample(run, "s-orphan", "nowhere/1", ADD))));
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> kit.readAll(topics.deadLetter(), DeadLetter.class, true).size() >= 2);

            // A problem published after the service started is found by catching up on the problems topic.
            kit.sendProblems(topics.problems(), ServiceTestKit.assertProblem("test/add2", "", "assert add(2, 2) == 4"));
            kit.send(topics.samples(), Sample.class, List.of(new ProducerRecord<>(topics.samples(), null, 7L, "s-good",
                    ServiceTestKit.sample(run, "s-good", "test/add2", ADD))));
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> !kit.readAll(topics.feedback(), Feedback.class, true).isEmpty());

            List<ConsumerRecord<String, Feedback>> feedback = kit.readAll(topics.feedback(), Feedback.class, true);
            assertThat(feedback).hasSize(1);
            assertThat(feedback.get(0).key()).isEqualTo("s-good");
            assertThat(feedback.get(0).value().getOutcome()).isEqualTo(Outcome.PASS);

            Map<String, DeadLetter> dead = kit.readAll(topics.deadLetter(), DeadLetter.class, true).stream()
                    .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertThat(dead).containsOnlyKeys("garbage", "s-orphan");
            DeadLetter garbage = dead.get("garbage");
            assertThat(garbage.getReason()).startsWith("cannot decode a Sample");
            assertThat(garbage.getTopic()).isEqualTo(topics.samples());
            assertThat(StandardCharsets.UTF_8.decode(garbage.getValue().duplicate()).toString()).isEqualTo("not an avro record");
            assertThat(garbage.getService()).isEqualTo("grader/grader-0");
            assertThat(dead.get("s-orphan").getReason()).contains("unknown problem 'nowhere/1'");
            assertThat(dead.get("s-orphan").getErrorClass()).isEqualTo("org.rltf.schemas.InvalidEventException");
            assertThat(grader.service.meterRegistry().get("rltf.grader.dead.letters").tag("reason", "malformed").counter()
                    .count()).isEqualTo(1.0);
        }
    }

    @Test
    void aSandboxErrorIsGradedAgainThenPublishedOnce(KafkaEnv env) throws Exception {
        String run = env.createRun("grader-sandbox-error");
        Topics topics = Topics.forRun(run);
        ServiceTestKit kit = new ServiceTestKit(env.clientConfig());
        // No tests: the grader's own verdict is SANDBOX_ERROR (NoTests), however often it grades the program.
        kit.sendProblems(topics.problems(), ServiceTestKit.assertProblem("test/none", ""));
        kit.send(topics.samples(), Sample.class, List.of(new ProducerRecord<>(topics.samples(), null, 9L, "s-none",
                ServiceTestKit.sample(run, "s-none", "test/none", ADD))));

        Map<String, Object> config = serviceConfig(env, run);
        config.put(GraderServiceConfig.SANDBOX_ERROR_RETRIES_CONFIG, "2");
        try (Running grader = new Running(config)) {
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> !kit.readAll(topics.feedback(), Feedback.class, true).isEmpty());
            List<ConsumerRecord<String, Feedback>> feedback = kit.readAll(topics.feedback(), Feedback.class, true);
            assertThat(feedback).hasSize(1);
            Feedback f = feedback.get(0).value();
            assertThat(f.getOutcome()).isEqualTo(Outcome.SANDBOX_ERROR);
            assertThat(f.getErrorClass()).isEqualTo("NoTests");
            assertThat(f.getRun()).isEqualTo(run);
            assertThat(f.getGraderId()).isEqualTo("grader-0");
            assertThat(feedback.get(0).timestamp()).isEqualTo(9L);
            // Graded three times (the first and two retries) for the one Feedback; counted once its batch committed,
            // just after read_committed readers can see it.
            assertThat(grader.service.meterRegistry().get("rltf.grader.sandbox.retries").counter().count()).isEqualTo(2.0);
            await().atMost(Duration.ofSeconds(5)).until(() -> grader.service.meterRegistry().get("rltf.grader.feedback")
                    .tag("outcome", "SANDBOX_ERROR").counter().count() == 1.0);
        }
    }
}
