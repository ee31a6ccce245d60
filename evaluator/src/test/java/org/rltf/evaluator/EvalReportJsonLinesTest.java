package org.rltf.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.Outcome;

/** The JSON lines of an evaluation read back into the same report (the lab caches its warm-up's evaluation so). */
class EvalReportJsonLinesTest {
    private static final EvalSettings SETTINGS = EvalSettings.defaults(64, List.of());

    @Test void aReportReadBackIsTheReportWritten(@TempDir Path dir) throws IOException {
        EvalReport written = new EvalReport("builtin", "test", SETTINGS, List.of(
                new EvalReport.ProgramResult("b/1", "2", -1, "    return x + 1\n", Outcome.PASS, 3, 3, null, null,
                        Map.of("region", "B", "family", "arith")),
                new EvalReport.ProgramResult("b/1", "2", 0, "    return x[9]\n", Outcome.RUNTIME_ERROR, 0, 3,
                        "IndexError", 2, Map.of("region", "B", "family", "arith")),
                new EvalReport.ProgramResult("b/2", "1", 0, "  return\n", Outcome.SYNTAX_ERROR, 0, 4,
                        "IndentationError", 1, Map.of())), 12.5);
        Path file = dir.resolve("v0.jsonl");
        written.writeJsonLines(file);

        EvalReport read = EvalReport.readJsonLines(file, "builtin", "test", SETTINGS, 12.5);

        assertThat(read).isEqualTo(written);
        assertThat(read.passAtKByTag("region", 1)).isEqualTo(written.passAtKByTag("region", 1));
    }

    @Test void aLineThatIsNotAProgramIsNamed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jsonl"), "{\"problem_id\": \"b/1\"}\n");
        assertThatThrownBy(() -> EvalReport.readJsonLines(file, "builtin", "test", SETTINGS, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("bad.jsonl line 1");
    }
}
