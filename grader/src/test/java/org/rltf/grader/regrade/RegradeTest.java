package org.rltf.grader.regrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.schemas.Topics;

/**
 * {@code rltf regrade} on a run whose feedback the grader service recorded: the same grader agrees on every sample,
 * and a taxonomy with one entry changed (NameError: the whole program rather than its line) disagrees on exactly the
 * samples whose error is a NameError, in their category only. The recorded run's topics are only read.
 */
@ExtendWith(KafkaExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegradeTest {
    private String run;
    private Topics topics;
    private Set<String> nameErrors;

    @BeforeAll
    void recordARun(KafkaEnv env) throws Exception {
        run = env.createRun("regrade");
        topics = Topics.forRun(run);
        Problem add = Problem.newBuilder().setRun(run).setId("test/add").setDataset("handmade").setSplit("train")
                .setPrompt("# add\n").setCodePrefix("").setReferenceSolutions(List.of()).setTimeLimitMs(4000)
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setSetupCode("")
                        .setAsserts(List.of("assert add(1, 2) == 3", "assert add(2, 2) == 4")).build()).build();
        TopicRecords.send(env, topics.problems(), 1_000L, Problem::getId, List.of(add));
        List<String> programs = List.of(
                "def add(a, b):\n    return a + b\n",                  // PASS
                "def add(a, b):\n    return a * b\n",                  // FAILURE
                "def add(a, b)\n    return a + b\n",                   // SYNTAX_ERROR, U_LINE
                "def add(a, b):\n    return a + c\n",                  // NameError, U_LINE
                "def add(a, b):\n    x = 1 / 0\n    return a + b\n",   // ZeroDivisionError, U_LINE
                "def add(a, b):\n    return undefined_name(a, b)\n",  // NameError, U_LINE
                "def add(a, b):\n    while True:\n        pass\n");    // Timeout, U_GLOBAL
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++)
            samples.add(Sample.newBuilder().setRun(run).setSampleId("s-" + i).setProblemId("test/add").setPolicyVersion(0)
                    .setCompletion(programs.get(i)).setTokenIds(List.of()).setTokenStarts(List.of()).setTokenEnds(List.of())
                    .setLogProbs(List.of()).setTemperature(1f).setSeed(i).setGeneratorId("test").build());
        TopicRecords.send(env, topics.samples(), 2_000L, Sample::getSampleId, samples);

        Map<String, Object> config = new HashMap<>(env.clientConfig());
        config.put(GraderServiceConfig.RUN_CONFIG, run);
        config.put(GraderServiceConfig.POLL_TIMEOUT_MS_CONFIG, "100");
        config.put(GraderConfig.PARALLELISM_CONFIG, "2");
        config.put(GraderConfig.TEST_TIMEOUT_MS_CONFIG, "1000");
        ExecutorService thread = Executors.newSingleThreadExecutor();
        GraderService service = new GraderService(config);
        Future<?> done = thread.submit(service);
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> feedback(env).size() >= samples.size());
        } finally {
            service.close();
            done.get();
            thread.shutdown();
        }
        nameErrors = feedback(env).stream().filter(f -> "NameError".equals(f.getErrorClass()))
                .map(Feedback::getSampleId).collect(Collectors.toSet());
        assertThat(nameErrors).containsExactlyInAnyOrder("s-3", "s-5");
    }

    private List<Feedback> feedback(KafkaEnv env) {
        return TopicRecords.readAll(env, topics.feedback(), Feedback.class).stream().map(ConsumerRecord::value).toList();
    }

    @Test
    void theSameGraderAgreesOnEverySampleOfTheRecordedRun(KafkaEnv env) throws Exception {
        int feedbackBefore = feedback(env).size();
        Regrade.Report report = new Regrade(env.clientConfig(), new Regrade.Options(run, run + "-regraded",
                Map.of(GraderConfig.PARALLELISM_CONFIG, "2", GraderConfig.TEST_TIMEOUT_MS_CONFIG, "1000"))).run(null);
        System.out.println(report.summary());
        assertThat(report.regraded()).isEqualTo(7);
        assertThat(report.agreed()).isEqualTo(7);
        assertThat(report.disagreements()).isEmpty();
        assertThat(report.summary()).contains("7 agree (100.0%)");
        // The regraded feedback went to the other run, the recorded run's feedback is as it was.
        assertThat(feedback(env)).hasSize(feedbackBefore);
        List<Feedback> moved = TopicRecords.readAll(env, Topics.forRun(run + "-regraded").feedback(), Feedback.class)
                .stream().map(ConsumerRecord::value).toList();
        assertThat(moved).hasSize(7).allSatisfy(f -> assertThat(f.getRun()).isEqualTo(run + "-regraded"));
    }

    @Test
    void aChangedTaxonomyEntryReportsExactlyTheSamplesItAffects(KafkaEnv env, @TempDir Path tmp) throws Exception {
        String builtIn;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("org/rltf/grader/taxonomy.tsv")) {
            builtIn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // One entry changed: a NameError is the whole program's fault (U_GLOBAL) instead of its line's.
        Path taxonomy = tmp.resolve("taxonomy.tsv");
        Files.writeString(taxonomy, builtIn.replace("run\tRuntimeError\t.*\tany\tU_IGNORE",
                "run\tNameError\t.*\tany\tU_GLOBAL\nrun\tRuntimeError\t.*\tany\tU_IGNORE"));
        Regrade.Report report = new Regrade(env.clientConfig(), new Regrade.Options(run, null,
                Map.of(GraderConfig.PARALLELISM_CONFIG, "2", GraderConfig.TEST_TIMEOUT_MS_CONFIG, "1000",
                        GraderConfig.TAXONOMY_FILE_CONFIG, taxonomy.toString()))).run(null);
        System.out.println(report.summary());
        report.disagreements().forEach(d -> System.out.println("  " + d.sampleId() + ": " + d.changes()));

        assertThat(report.disagreements()).extracting(Regrade.Disagreement::sampleId)
                .containsExactlyInAnyOrderElementsOf(nameErrors);
        assertThat(report.disagreements()).allSatisfy(d -> {
            assertThat(d.fields()).containsExactly("error_category");
            assertThat(d.recorded().getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
            assertThat(d.regraded().getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
            assertThat(d.changes()).isEqualTo("error_category U_LINE -> U_GLOBAL");
        });
        assertThat(report.byField()).isEqualTo(Map.of("error_category", 2));
        assertThat(report.agreed()).isEqualTo(5);
    }
}
