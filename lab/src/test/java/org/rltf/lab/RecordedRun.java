package org.rltf.lab;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.data.Datasets;
import org.rltf.events.Evaluation;
import org.rltf.grader.GraderConfig;
import org.rltf.lab.run.InProcessLoop;
import org.rltf.lab.run.LabConfigs;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.ProblemImport;
import org.rltf.learner.LearnerService;
import org.rltf.schemas.Topics;

/**
 * One short lab run per test JVM, recorded on the shared test broker, which the tests of the tools that work from a
 * run's log read (replay, tail, the dashboard): four MBPP training problems and two held-out ones, a grader, the
 * learner (6 steps, a checkpoint every 2), the generator and the evaluator (every version). Made on first use, then
 * only read: a test that writes does so into a run of its own.
 */
public final class RecordedRun {
    public static final long STEPS = 6;
    public static final int CHECKPOINT_INTERVAL = 2;

    private static RecordedRun instance;

    public final String run;
    public final Path dir;
    public final Topics topics;

    private RecordedRun(String run, Path dir) {
        this.run = run;
        this.dir = dir;
        this.topics = Topics.forRun(run);
    }

    /** The run, recorded on the first call (a few minutes on two cores). */
    public static synchronized RecordedRun get(KafkaEnv env) throws Exception {
        if (instance == null) instance = record(env);
        return instance;
    }

    private static RecordedRun record(KafkaEnv env) throws Exception {
        long start = System.nanoTime();
        String run = env.createRun("recorded");
        Path dir = Files.createTempDirectory("rltf-recorded-");
        LabConfigs d = LoopTestKit.configs(env, run, dir.resolve("run"), STEPS, CHECKPOINT_INTERVAL);
        LoopTestKit.importMbpp(env, d, 4);
        ProblemImport.publish(env.clientConfig(), run, LabProblems.limit(Datasets.split(Datasets.load("mbpp"), "test"), 2),
                d.settings().epochMs());
        Map<String, Object> grader = d.grader(0);
        grader.put(GraderConfig.PARALLELISM_CONFIG, "2");
        RecordedRun r = new RecordedRun(run, dir);
        try (InProcessLoop loop = InProcessLoop.start(List.of(grader),
                d.rltfLearner(LoopTestKit.initCheckpoint(dir.resolve("init"))), d.generator(), d.evaluator(),
                new SimpleMeterRegistry(), new LearnerService.Listener() {}, null)) {
            loop.awaitLearner(Duration.ofMinutes(6));
            // The evaluator follows the checkpoints: wait for it to have evaluated some (the dashboard charts them).
            await().atMost(Duration.ofMinutes(3)).until(() -> {
                loop.throwFirstFailure();
                return LoopTestKit.read(env, r.topics.evaluations(), Evaluation.class).size() >= 2;
            });
        }
        System.out.printf("recorded run %s: %d steps in %.1f s%n", run, STEPS, (System.nanoTime() - start) / 1e9);
        return r;
    }
}
