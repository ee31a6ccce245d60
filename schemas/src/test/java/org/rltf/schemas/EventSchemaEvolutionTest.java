package org.rltf.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.rltf.events.BaselineSource;
import org.rltf.events.Checkpoint;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Evaluation;
import org.rltf.events.Experience;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.PassAtK;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.schemas.serde.CompatibilityLevel;

/**
 * The event schemas evolve compatibly: today's schema reads events written with an earlier one (BACKWARD, what
 * the registry enforces) and an earlier reader reads today's events (FORWARD), and the new fields of an old event
 * take defaults that say the value was not recorded rather than inventing one. The earlier schemas are kept
 * verbatim in src/test/resources/evolution.
 */
class EventSchemaEvolutionTest {

    private static Schema earlier(String file) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        // The shared types the events reference, as the build's avro plugin imports them.
        parser.parse(Outcome.getClassSchema().toString());
        parser.parse(ErrorCategory.getClassSchema().toString());
        try (InputStream in = EventSchemaEvolutionTest.class.getResourceAsStream("/evolution/" + file)) {
            return parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static byte[] write(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void experienceOfSchemaOneReadsWithUnrecordedBaselineSourceAndAdvantages() throws IOException {
        Schema v1 = earlier("Experience-1.avsc");
        assertThat(CompatibilityLevel.FULL.check(Experience.getClassSchema(), List.of(v1))).isEmpty();

        GenericRecord old = new GenericData.Record(v1);
        old.put("run", "r");
        old.put("sample_id", "s");
        old.put("problem_id", "p");
        old.put("policy_version", 2L);
        old.put("greedy", false);
        old.put("prompt_token_ids", List.of(1));
        old.put("token_ids", List.of(5, 6));
        old.put("log_probs", List.of(-0.5f, -0.5f));
        old.put("outcome", new GenericData.EnumSymbol(v1.getField("outcome").schema(), "RUNTIME_ERROR"));
        old.put("error_category", new GenericData.EnumSymbol(v1.getField("error_category").schema(), "U_LINE"));
        old.put("passed", 0);
        old.put("total", 3);
        old.put("reward_coarse", -0.6f);
        old.put("reward_adaptive", null);
        old.put("reward", -0.6f);
        old.put("baseline", 0.35f);
        old.put("baseline_mode", "greedy");
        old.put("fine_reward", -0.3f);
        old.put("fine_start_token", 1);
        old.put("fine_end_token", 1);
        old.put("alpha", 2f);
        old.put("schema_version", 1);

        Experience e = new SpecificDatumReader<Experience>(v1, Experience.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(write(v1, old), null));
        assertThat(e.getReward()).isEqualTo(-0.6f);
        assertThat(e.getBaseline()).isEqualTo(0.35f);
        // Not recorded then: UNKNOWN is not NONE (the baseline was not missing), null advantages are not 0.
        assertThat(e.getBaselineSource()).isEqualTo(BaselineSource.UNKNOWN);
        assertThat(e.getSequenceAdvantage()).isNull();
        assertThat(e.getFineWeight()).isNull();
    }

    @Test
    void learnerStepOfSchemaOneReadsWithEmptyBatchStatistics() throws IOException {
        Schema v1 = earlier("LearnerStep-1.avsc");
        assertThat(CompatibilityLevel.FULL.check(LearnerStep.getClassSchema(), List.of(v1))).isEmpty();
        // New doubles and ints only: values any Avro or JSON decoder holds exactly (no 64-bit longs).
        for (String name : List.of("mean_advantage", "rl_outcomes", "missing_baseline_share"))
            assertThat(LearnerStep.getClassSchema().getField(name).schema().toString()).doesNotContain("long");
    }

    @Test
    void checkpointOfSchemaOneReadsWithAnUnrecordedLearnerConfig() throws IOException {
        Schema v1 = earlier("Checkpoint-1.avsc");
        assertThat(CompatibilityLevel.FULL.check(Checkpoint.getClassSchema(), List.of(v1))).isEmpty();

        GenericRecord old = new GenericData.Record(v1);
        old.put("schema_version", 1);
        old.put("run", "r");
        old.put("version", 2L);
        old.put("step", 100L);
        old.put("uri", "file:/store/r/v2/");
        old.put("sha256", "ab");
        old.put("size_bytes", 10L);
        old.put("model_config", "{}");
        old.put("metrics", Map.of("loss", 1.5));
        Checkpoint read = new SpecificDatumReader<Checkpoint>(v1, Checkpoint.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(write(v1, old), null));
        assertThat(read.getStep()).isEqualTo(100L);
        // Not recorded then: empty, which rltf replay reports as "this run predates the recorded learner config".
        assertThat(read.getLearnerConfig()).isEmpty();
    }

    @Test
    void evaluationOfSchemaOneReadsWithUnrecordedSettingsAndShares() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(PassAtK.getClassSchema().toString());
        Schema v1;
        try (InputStream in = EventSchemaEvolutionTest.class.getResourceAsStream("/evolution/Evaluation-1.avsc")) {
            v1 = parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(CompatibilityLevel.FULL.check(Evaluation.getClassSchema(), List.of(v1))).isEmpty();

        GenericRecord old = new GenericData.Record(v1);
        old.put("run", "r");
        old.put("policy_version", 3L);
        old.put("dataset", "mbpp/test");
        old.put("n", 10);
        old.put("temperature", 0.6f);
        old.put("results", List.of());
        old.put("schema_version", 1);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(write(v1, old), null);
        Evaluation read = new SpecificDatumReader<Evaluation>(v1, Evaluation.getClassSchema()).read(null, decoder);
        assertThat(read.getGreedyPassAt1()).isNull();
        assertThat(read.getStep()).isEqualTo(-1);
        assertThat(read.getOutcomeShares()).isEmpty();
    }

    @Test
    void problemOfSchemaOneReadsWithNoTags() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        parser.parse(TestKind.getClassSchema().toString());
        parser.parse(TestSuite.getClassSchema().toString());
        parser.parse(ReferenceSolution.getClassSchema().toString());
        Schema v1;
        try (InputStream in = EventSchemaEvolutionTest.class.getResourceAsStream("/evolution/Problem-1.avsc")) {
            v1 = parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(CompatibilityLevel.FULL.check(Problem.getClassSchema(), List.of(v1))).isEmpty();
    }
}
