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
import org.rltf.kernel.UnknownConfigException;

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
        assertThat(lines).as("one result per sample line, the unknown problem's included").hasSize(4);
        assertThat(JSON.readTree(lines.get(3)).path("outcome").asText()).isEqualTo("UNKNOWN_PROBLEM");
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
                .contains("PASS 1").contains("WrongAnswer").contains("not in the dataset (not graded, UNKNOWN_PROBLEM in the results): 1")
                .contains("test time limits used: 4000 ms (2 problems)");
    }

    @Test
    void everySampleLineGetsExactlyOneResultLine(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(String.join("\n",
                "{\"problem_id\": \"mbpp/11\", \"completion\": \"def remove_Occ(s, ch):\\n    return s\\n\"}",
                "{\"problem_id\": \"nowhere/1\", \"completion\": \"x = 1\\n\"}",
                "not json",
                "").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'{', '"', 'p', (byte) 0xff, '"', ':', '1', '}', '\n'});   // not UTF-8
        bytes.writeBytes(String.join("\n",
                "",
                "{\"problem_id\": 12, \"completion\": \"x\"}",
                "{\"problem_id\": \"mbpp/12\", \"sample_id\": \"s\", \"completion\": \"x = 1\\n\"}",
                "{\"problem_id\": \"mbpp/12\", \"sample_id\": \"s\", \"completion\": \"x = 2\\n\"}",
                "").getBytes(StandardCharsets.UTF_8));
        Files.write(samples, bytes.toByteArray());
        Path out = dir.resolve("results.jsonl");
        OfflineGrade.Summary summary = OfflineGrade.run(new OfflineGrade.Options("mbpp", null, samples, false, out,
                Map.of(GraderConfig.PARALLELISM_CONFIG, 2)));

        List<JsonNode> rows = Files.readAllLines(out).stream().map(OfflineGradeTest::json).toList();
        // 8 lines, 1 blank: 7 results, in the file's order, each naming its line.
        assertThat(rows).extracting(r -> r.path("line").asInt()).containsExactly(1, 2, 3, 4, 6, 7, 8);
        assertThat(rows).extracting(r -> r.path("outcome").asText()).containsExactly("FAILURE", "UNKNOWN_PROBLEM",
                "MALFORMED", "MALFORMED", "MALFORMED", "RUNTIME_ERROR", "MALFORMED");
        assertThat(rows.get(1).path("problem_id").asText()).isEqualTo("nowhere/1");
        assertThat(rows.get(1).path("sample_id").asText()).isEqualTo("nowhere/1#2");
        assertThat(rows.get(2).path("error_message").asText()).contains("not JSON");
        assertThat(rows.get(3).path("error_message").asText()).contains("not UTF-8");
        assertThat(rows.get(4).path("error_message").asText()).contains("problem_id");
        assertThat(rows.get(6).path("error_message").asText()).contains("duplicate sample_id s").contains("line 7");
        assertThat(summary.programs()).isEqualTo(2);
        assertThat(summary.unknownProblems()).isEqualTo(1);
        assertThat(summary.badLines()).hasSize(4).first().asString().startsWith(samples + ":3: not JSON");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        summary.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("malformed lines (not graded, MALFORMED in the results): 4")
                .contains(samples + ":4: not UTF-8");
    }

    @Test
    void strictStopsAtTheFirstBadLineNamingIt(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        Files.write(samples, new byte[] {'{', '}', '\n', '{', '"', (byte) 0xc3, '"', '}', '\n'});
        assertThatThrownBy(() -> OfflineGrade.run(new OfflineGrade.Options("mbpp", null, samples, false, null, Map.of(), true)))
                .isInstanceOf(OfflineGrade.SamplesFileException.class)
                .hasMessage(samples + ":1: expected {\"problem_id\": string, \"completion\": string}");
        Files.write(samples, new byte[] {'{', '"', (byte) 0xc3, '"', '}', '\n'});
        assertThatThrownBy(() -> OfflineGrade.readSamples(samples, true))
                .hasMessageStartingWith(samples + ":1: not UTF-8");
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
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
    void referenceGradingSaysWhatHasNoReferenceSolution(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> OfflineGrade.run(new OfflineGrade.Options("apps-jsonl:apps/apps_test10/apps_10.jsonl",
                null, null, true, null, Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no problem of apps-jsonl:apps/apps_test10/apps_10.jsonl has a reference solution (10 problems)");

        // One APPS problem with solutions, one without.
        Path source = Path.of(System.getProperty("rltf.shared.data"), "apps/coderl_train5/0001");
        for (String folder : List.of("0001", "0002")) {
            Path to = Files.createDirectories(dir.resolve("apps/mixed/" + folder));
            for (String file : List.of("question.txt", "input_output.json", "solutions.json")) {
                if (folder.equals("0002") && file.equals("solutions.json")) continue;
                Files.copy(source.resolve(file), to.resolve(file));
            }
        }
        OfflineGrade.Summary summary = OfflineGrade.run(new OfflineGrade.Options("apps:apps/mixed", dir, null, true, null,
                Map.of(GraderConfig.PARALLELISM_CONFIG, 1)));
        assertThat(summary.programs()).isEqualTo(1);
        assertThat(summary.withoutReference()).isEqualTo(1);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        summary.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("problems without a reference solution (not graded): 1");
    }

    @Test
    void malformedSamplesFailNamingTheLine(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        Files.writeString(samples, "{\"problem_id\": \"mbpp/11\", \"completion\": \"x\"}\n{\"problem_id\": 3}\n");
        assertThatThrownBy(() -> OfflineGrade.readSamples(samples, true)).hasMessageContaining(samples + ":2");
        Files.writeString(samples, "not json\n");
        assertThatThrownBy(() -> OfflineGrade.readSamples(samples, true)).hasMessageContaining(samples + ":1").hasMessageContaining("not JSON");
        assertThatThrownBy(() -> new OfflineGrade.Options("mbpp", null, null, false, null, null))
                .hasMessageContaining("either a samples file or reference");
    }

    @Test
    void aMistypedGraderKeyFailsNamingTheNearest(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples.jsonl");
        Files.writeString(samples, "{\"problem_id\": \"mbpp/11\", \"completion\": \"x\"}\n");
        assertThatThrownBy(() -> OfflineGrade.run(new OfflineGrade.Options("mbpp", null, samples, false, null,
                Map.of("grader.test.timeout", "1000"))))
                .isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'grader.test.timeout'").hasMessageContaining("did you mean 'grader.test.timeout.ms'");
    }
}
