package org.rltf.grader.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.Outcome;
import org.rltf.grader.GraderConfig;

class OfflineGradeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void gradesASamplesFileAndWritesResults(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        Files.writeString(samples, String.join("\n",
                "{\"problem_id\": \"mbpp/11\", \"completion\": \"def remove_Occ(s, ch):\\n    return s.replace(ch, '', 1)[::-1].replace(ch, '', 1)[::-1]\\n\"}",
                "{\"problem_id\": \"mbpp/11\", \"sample_id\": \"bad\", \"completion\": \"def remove_Occ(s, ch):\\n    return s\\n\"}",
                "",
                "{\"problem_id\": \"mbpp/12\", \"completion\": \"def sort_matrix(m):\\n    return sorted(m, key=sum\\n\"}",
                "{\"problem_id\": \"nowhere/1\", \"completion\": \"x\"}") + "\n");
        Path out = dir.resolve("out/results.jsonl");
        OfflineGrade.Summary summary = OfflineGrade.run(new OfflineGrade.Options("mbpp", null, samples, false, out,
                Map.of(GraderConfig.PARALLELISM_CONFIG, 2)));
        assertThat(summary.programs()).isEqualTo(3);
        assertThat(summary.unknownProblems()).isEqualTo(1);
        assertThat(summary.outcomes()).containsEntry(Outcome.PASS, 1).containsEntry(Outcome.FAILURE, 1)
                .containsEntry(Outcome.SYNTAX_ERROR, 1);
        assertThat(summary.errorClasses()).containsEntry("WrongAnswer", 1).containsEntry("SyntaxError", 1);
        assertThat(summary.problems()).isEqualTo(2);
        assertThat(summary.problemsWithPass()).isEqualTo(1);

        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.path("sample_id").asText()).isEqualTo("mbpp/11#1");
        assertThat(first.path("outcome").asText()).isEqualTo("PASS");
        assertThat(first.path("tests")).hasSize(3);
        assertThat(JSON.readTree(lines.get(1)).path("sample_id").asText()).isEqualTo("bad");
        JsonNode third = JSON.readTree(lines.get(2));
        assertThat(third.path("error_category").asText()).isEqualTo("U_GLOBAL");
        assertThat(third.path("error_line").asInt()).isEqualTo(2);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        summary.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Graded 3 programs of 2 problems (mbpp)")
                .contains("PASS 1").contains("WrongAnswer").contains("not in the dataset (skipped): 1")
                .contains("test time limits used: 4000 ms (2 problems)");
    }

    @Test
    void referenceSolutionsOfAppsPass(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.jsonl");
        OfflineGrade.Summary summary = OfflineGrade.run(new OfflineGrade.Options("apps:apps/coderl_train5", null, null, true,
                out, Map.of()));
        assertThat(summary.programs()).isEqualTo(5);
        assertThat(summary.outcomes()).as(Files.readString(out)).containsEntry(Outcome.PASS, 5);
    }

    @Test
    void malformedSamplesFailNamingTheLine(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        Files.writeString(samples, "{\"problem_id\": \"mbpp/11\", \"completion\": \"x\"}\n{\"problem_id\": 3}\n");
        assertThatThrownBy(() -> OfflineGrade.readSamples(samples)).hasMessageContaining("line 2");
        Files.writeString(samples, "not json\n");
        assertThatThrownBy(() -> OfflineGrade.readSamples(samples)).hasMessageContaining("line 1").hasMessageContaining("not JSON");
        assertThatThrownBy(() -> new OfflineGrade.Options("mbpp", null, null, false, null, null))
                .hasMessageContaining("either a samples file or reference");
    }
}
