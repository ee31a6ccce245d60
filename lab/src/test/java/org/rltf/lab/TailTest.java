package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.kernel.Seeds;
import org.rltf.schemas.Topics;

/**
 * {@code rltf tail} on the recorded short lab: every topic prints as JSON lines with field names, and every integer
 * any event recorded lies within 2^53 - 1, so JavaScript's Avro readers (avsc, through kafkajs) and any other
 * doubles-only decoder read it exactly.
 */
@ExtendWith(KafkaExtension.class)
class TailTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> tail(KafkaEnv env, String run, String topic, boolean fromBeginning) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = TailCommand.tail(env.clientConfig(), run, topic, fromBeginning, false, new AtomicBoolean(),
                new PrintStream(bytes, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8));
        assertThat(status).isZero();
        assertThat(errors.toString(StandardCharsets.UTF_8)).isEmpty();
        List<JsonNode> out = new ArrayList<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n"))
            if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void learnerStepsPrintAsJsonLinesWithFieldNames(KafkaEnv env) throws Exception {
        RecordedRun r = RecordedRun.get(env);
        List<JsonNode> steps = tail(env, r.run, "learner-steps", true);
        assertThat(steps).hasSize((int) RecordedRun.STEPS);
        for (int i = 0; i < steps.size(); i++) {
            JsonNode s = steps.get(i);
            assertThat(s.path("run").asText()).isEqualTo(r.run);
            assertThat(s.path("step").asLong()).isEqualTo(i + 1);
            assertThat(s.path("sample_ids").isArray()).isTrue();
            assertThat(s.path("loss").isNumber()).isTrue();
        }
        // The full topic name works too; without --from-beginning a tail starts at the end and prints nothing.
        assertThat(tail(env, r.run, r.topics.learnerSteps(), true)).hasSize(steps.size());
        assertThat(tail(env, r.run, "learner-steps", false)).isEmpty();
        assertThatThrownBy(() -> TailCommand.topicOf(r.run, "learner-step")).hasMessageContaining("one of");
    }

    @Test
    void everyRecordedIntegerDecodesExactlyAsADouble(KafkaEnv env) throws Exception {
        RecordedRun r = RecordedRun.get(env);
        int events = 0;
        for (String name : Topics.NAMES) {
            for (JsonNode event : tail(env, r.run, name, true)) {
                events++;
                assertWithin(name, event);
            }
        }
        assertThat(events).isGreaterThan(50);
    }

    private static void assertWithin(String topic, JsonNode node) {
        if (node.isIntegralNumber()) {
            assertThat(node.canConvertToLong()).as("an integer of %s: %s", topic, node).isTrue();
            assertThat(node.asLong()).as("an integer of %s", topic).isBetween(-Seeds.MAX_RECORDED, Seeds.MAX_RECORDED);
        }
        node.forEach(child -> assertWithin(topic, child));
    }
}
