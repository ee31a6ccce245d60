package org.rltf.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.Evaluation;
import org.rltf.events.Experience;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.kernel.UnknownConfigException;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;

/** The evaluator service on the real broker, with the real sandbox and a real (tiny, untrained) model. */
@ExtendWith(KafkaExtension.class)
class EvaluatorServiceTest {

    @Test void publishesOneEvaluationPerCheckpointAndNoSampleAnywhere(KafkaEnv env, @TempDir Path store) throws Exception {
        String run = env.createRun("evaluator");
        Topics topics = Topics.forRun(run);
        TopicRecords.send(env, topics.problems(), 1_000L, Problem::getId, List.of(
                problem(run, "t/1", "test"), problem(run, "t/2", "test"), problem(run, "t/3", "train")));
        List<Checkpoint> checkpoints = checkpoints(run, store, 2);
        // A third checkpoint event whose digest does not match its files: dead-lettered, the evaluator carries on.
        checkpoints.add(Checkpoint.newBuilder(checkpoints.get(1)).setVersion(2).setSha256("00".repeat(32)).build());
        TopicRecords.send(env, topics.checkpoints(), 2_000L, c -> run, checkpoints);

        Map<String, Object> config = config(env, run, store);
        List<Evaluation> seen = new ArrayList<>();
        try (EvaluatorService service = new EvaluatorService(config)) {
            service.setListener(new EvaluatorService.Listener() {
                @Override public void onEvaluation(Evaluation e, EvalReport r) {
                    synchronized (seen) { seen.add(e); }
                }
            });
            Thread t = new Thread(service, "evaluator");
            t.start();
            await().atMost(Duration.ofMinutes(2)).until(() -> TopicRecords.readAll(env, topics.deadLetter(),
                    DeadLetter.class).size() == 1 && TopicRecords.readAll(env, topics.evaluations(), Evaluation.class).size() == 2);
            service.close();
            t.join(60_000);
            assertThat(service.failure()).isNull();
        }
        List<ConsumerRecord<String, Evaluation>> evaluations = TopicRecords.readAll(env, topics.evaluations(), Evaluation.class);
        assertThat(evaluations).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("0", "1");
        for (ConsumerRecord<String, Evaluation> r : evaluations) {
            Evaluation e = r.value();
            assertThat(r.timestamp()).isEqualTo(2_000L); // the checkpoint's event time
            assertThat(e.getSplit()).isEqualTo("test");
            assertThat(e.getN()).isEqualTo(3);
            assertThat(e.getResults()).anySatisfy(p -> {
                assertThat(p.getDifficulty()).isEqualTo("all");
                assertThat(p.getProblems()).isEqualTo(2); // the test split only, never the train problem
            });
            assertThat(e.getOutcomeShares().values().stream().mapToDouble(Double::doubleValue).sum())
                    .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        }
        assertThat(seen).hasSize(2);
        assertThat(store.resolve("results").resolve("v1.jsonl")).exists();
        assertThat(TopicRecords.readAll(env, topics.deadLetter(), DeadLetter.class)).singleElement()
                .satisfies(d -> assertThat(d.value().getReason()).contains("checkpoint v2 cannot be evaluated"));
        // Evaluation programs never reach the training path.
        assertThat(TopicRecords.readAll(env, topics.samples(), Sample.class)).isEmpty();
        assertThat(TopicRecords.readAll(env, topics.experience(), Experience.class)).isEmpty();
    }

    @Test void withoutTheInitialEvaluationVersionZeroIsSkippedUntilAskedFor(KafkaEnv env, @TempDir Path store)
            throws Exception {
        String run = env.createRun("evaluator-initial");
        Topics topics = Topics.forRun(run);
        TopicRecords.send(env, topics.problems(), 1_000L, Problem::getId, List.of(problem(run, "t/1", "test")));
        TopicRecords.send(env, topics.checkpoints(), 2_000L, c -> run, checkpoints(run, store, 2));
        Map<String, Object> config = config(env, run, store);
        config.put(EvaluatorConfig.INITIAL_CONFIG, false);
        try (EvaluatorService service = new EvaluatorService(config)) {
            Thread t = new Thread(service, "evaluator");
            t.start();
            await().atMost(Duration.ofMinutes(2)).until(() ->
                    TopicRecords.readAll(env, topics.evaluations(), Evaluation.class).size() == 1);
            assertThat(TopicRecords.readAll(env, topics.evaluations(), Evaluation.class))
                    .extracting(ConsumerRecord::key).containsExactly("1");
            // The lab evaluated v0 itself; a caller can still ask for it.
            service.evaluateAlso(0);
            await().atMost(Duration.ofMinutes(2)).until(() ->
                    TopicRecords.readAll(env, topics.evaluations(), Evaluation.class).size() == 2);
            service.close();
            t.join(60_000);
            assertThat(service.failure()).isNull();
        }
        assertThat(TopicRecords.readAll(env, topics.evaluations(), Evaluation.class))
                .extracting(ConsumerRecord::key).containsExactly("1", "0");
    }

    @Test void anUnknownKeyFailsStartUpQuicklyNamingIt(KafkaEnv env) {
        Map<String, Object> config = new HashMap<>(env.clientConfig());
        config.put("run", "r");
        config.put("evaluator.temprature", "0.6");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new EvaluatorService(config)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("evaluator.temprature").hasMessageContaining("evaluator.temperature");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    /** Checkpoints v0 .. v(count-1) of {@code run}: tiny untrained models of different seeds, saved under store. */
    private static List<Checkpoint> checkpoints(String run, Path store, int count) throws Exception {
        List<Checkpoint> checkpoints = new ArrayList<>();
        ModelConfig shape = new ModelConfig(1, 32, 2, 128, Tokenizer.bytes().vocabSize(), "bytes");
        for (int v = 0; v < count; v++) {
            try (Policy p = Policy.create(shape, Tokenizer.bytes(), 7 + v)) {
                CheckpointInfo info = p.save(store.resolve("v" + v));
                checkpoints.add(Checkpoint.newBuilder().setRun(run).setVersion(v).setStep(5L * v)
                        .setUri(info.dir().toUri().toString()).setSha256(info.sha256()).setSizeBytes(info.sizeBytes())
                        .setModelConfig(p.config().toJson()).build());
            }
        }
        return checkpoints;
    }

    private static Map<String, Object> config(KafkaEnv env, String run, Path store) {
        Map<String, Object> config = new HashMap<>(env.clientConfig());
        config.put("run", run);
        config.put(EvaluatorConfig.N_CONFIG, 3);
        config.put(EvaluatorConfig.K_CONFIG, "1,3");
        config.put(EvaluatorConfig.MAX_NEW_TOKENS_CONFIG, 12);
        config.put(EvaluatorConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        config.put(EvaluatorConfig.RESULTS_DIR_CONFIG, store.resolve("results").toString());
        config.put("grader.parallelism", 2);
        return config;
    }

    private static Problem problem(String run, String id, String split) {
        return Problem.newBuilder().setRun(run).setId(id).setDataset("unit").setSplit(split).setDifficulty("1")
                .setPrompt("# return x + 1\ndef f(x):\n").setCodePrefix("def f(x):\n")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of(
                        "assert f(1) == 2", "assert f(2) == 3", "assert f(0) == 1")).build())
                .setReferenceSolutions(List.of(ReferenceSolution.newBuilder().setId(id + "/ref")
                        .setCode("    return x + 1\n").build()))
                .build();
    }
}
