package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.Evaluation;
import org.rltf.lab.run.LabConsole;
import org.rltf.lab.run.LabRun;
import org.rltf.lab.run.LabSettings;
import org.rltf.learner.LearnerConfig;
import org.rltf.schemas.Topics;

/**
 * A lab run with a tiny budget on the real broker, sandbox and model: every phase runs (problems, cached warm-up,
 * the warm-up's evaluation, the online phase with the evaluator, the supervised-only arm at equal steps and equal
 * time, the summary), and summary.json is well formed. A second run with the same settings takes the warm-up and its
 * evaluation from the cache.
 */
@ExtendWith(KafkaExtension.class)
class LabRunTest {

    @Test
    void everyPhaseRunsAndWritesAWellFormedSummary(KafkaEnv env, @TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        JsonNode first = lab(env, tmp, "lab-run-a", cache);
        for (String arm : List.of("sft", "rltf", "sl_only")) {
            JsonNode a = first.path("heldout").path(arm);
            assertThat(a.isObject()).as(arm).isTrue();
            for (String k : List.of("pass@1", "greedy_pass@1")) assertThat(a.path(k).asDouble(-1)).as(arm + " " + k).isBetween(0.0, 1.0);
        }
        assertThat(first.path("steps").asLong()).isEqualTo(2);
        assertThat(first.path("seed").asLong()).isEqualTo(3);
        assertThat(first.path("problems").asText()).isEqualTo("mbpp");
        assertThat(first.path("tests_only_share").asDouble()).isEqualTo(0.5);
        assertThat(first.path("recipe").path("negative_scale").asDouble()).isEqualTo(0.0);
        assertThat(first.path("recipe").path("self_imitation").asDouble()).isEqualTo(0.25);
        assertThat(first.path("recipe").path("rl_draw").asText()).isEqualTo("signal");
        assertThat(first.path("recipe").path("baseline").asText()).isEqualTo("group-mean");
        assertThat(first.path("recipe").path("overrides").path(LearnerConfig.SL_MAX_TOKENS_CONFIG).asText()).isEqualTo("64");
        assertThat(first.path("heldout").path("rltf").path("step").asLong()).isEqualTo(2);
        assertThat(first.path("heldout").path("sl_only").path("step").asLong()).isEqualTo(2);
        assertThat(first.path("heldout_curve").size()).isGreaterThanOrEqualTo(2); // v0 and the last
        assertThat(first.path("facts").path("warmup_cached").asBoolean()).isFalse();
        assertThat(first.path("facts").path("warmup_evaluation_cached").asBoolean()).isFalse();
        // The lab evaluates the warm-up before the online phase and publishes it; the evaluator does not again.
        assertThat(TopicRecords.readAll(env, Topics.forRun(first.path("run").asText()).evaluations(), Evaluation.class))
                .extracting(ConsumerRecord::key).containsOnlyOnce("0");
        assertThat(tmp.resolve("lab-run-a").resolve("evaluations").resolve("v0.jsonl")).isNotEmptyFile();
        assertThat(tmp.resolve("lab-run-a").resolve("pass_at_1.png")).isNotEmptyFile();

        JsonNode second = lab(env, tmp, "lab-run-b", cache);
        assertThat(second.path("facts").path("warmup_cached").asBoolean()).isTrue();
        assertThat(second.path("facts").path("warmup_evaluation_cached").asBoolean()).isTrue();
        // The same warm-up checkpoint, evaluated with the same seed on the same problems: the same figures.
        assertThat(second.path("heldout").path("sft").path("pass@1").asDouble())
                .isEqualTo(first.path("heldout").path("sft").path("pass@1").asDouble());
    }

    private static JsonNode lab(KafkaEnv env, Path tmp, String name, Path cache) throws Exception {
        String run = env.createRun(name);
        Path runDir = tmp.resolve(name);
        Files.createDirectories(runDir);
        LabSettings s = new LabSettings(run, runDir, 1_000_000L, 3, "mbpp", 4, 2, 0.5, "tiny", 2, 2, 1e-3, 2, 0, 1,
                2, 2, 16, 1.0f, 1, 1e-3, 2, 2, 1, 1, true, 2, "group-mean", 2, 1.0, 0.0, 0.25, "signal",
                Map.of(LearnerConfig.SL_MAX_TOKENS_CONFIG, "64"));
        new LabRun(s, new LabConsole(System.out), cache, env.bootstrapServers(), env.schemaRegistryUrl(), null).run();
        return new ObjectMapper().readTree(runDir.resolve("summary.json").toFile());
    }
}
