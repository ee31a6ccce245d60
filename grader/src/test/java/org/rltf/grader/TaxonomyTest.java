package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.ErrorCategory;
import org.rltf.grader.Taxonomy.Stage;

class TaxonomyTest {
    private final Taxonomy t = Taxonomy.builtIn();

    @Test
    void builtInTableFollowsTheMethod() {
        // compile stage: last line is 5
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "invalid syntax", 5, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "'(' was never closed", 5, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "unterminated string literal (detected at line 5)", 5, 5))
                .isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "invalid syntax", 2, 5)).isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "expected ':'", 5, 5)).isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.COMPILE, "TabError", "inconsistent use of tabs and spaces in indentation", 3, 5))
                .isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.COMPILE, "IndentationError", "unindent does not match any outer indentation level", 3, 5))
                .isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.COMPILE, "IndentationError", "unexpected indent", 3, 5)).isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "duplicate argument 'x' in function definition", 1, 5))
                .isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "import * only allowed at module level", 2, 5))
                .isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "unterminated triple-quoted string literal (detected at line 9)", 2, 9))
                .isEqualTo(ErrorCategory.U_IGNORE);
        // a program whose text ends inside a bracket, string or block: whatever line Python names
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "'(' was never closed", 2, 4, true)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "'(' was never closed", 2, 4, false)).isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.COMPILE, "SyntaxError", "unterminated triple-quoted string literal (detected at line 9)",
                2, 9, true)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.COMPILE, "IndentationError", "expected an indented block after 'if' statement on line 2",
                3, 3, false)).as("an empty block followed by more code").isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.COMPILE, "TabError", "inconsistent use of tabs and spaces in indentation", 3, 5, true))
                .isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.RUN, "NameError", "name 'x' is not defined", 3, 5, true)).isEqualTo(ErrorCategory.U_LINE);
        // run stage
        assertThat(t.classify(Stage.RUN, "NameError", "name 'x' is not defined", 3, 5)).isEqualTo(ErrorCategory.U_LINE);
        assertThat(t.classify(Stage.RUN, "NameError", "name 'x' is not defined", null, 5)).isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.RUN, "Timeout", "test time limit exceeded", null, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.RUN, "RecursionError", "maximum recursion depth exceeded", 2, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.RUN, "MemoryError", "", 2, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(t.classify(Stage.RUN, "RuntimeError", "boom", 2, 5)).isEqualTo(ErrorCategory.U_IGNORE);
        assertThat(t.classify(Stage.RUN, "SIGKILL", "killed by SIGKILL", null, 5)).isEqualTo(ErrorCategory.U_IGNORE);
        // a runtime SyntaxError (from eval) is not a cut-off generation
        assertThat(t.classify(Stage.RUN, "SyntaxError", "invalid syntax", 5, 5)).isEqualTo(ErrorCategory.U_LINE);
    }

    @Test
    void userTableReplacesTheBuiltInOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("taxonomy.tsv");
        Files.writeString(file, "# everything is global\nany\t.*\t.*\tany\tU_GLOBAL\n");
        GraderConfig config = new GraderConfig(Map.of(GraderConfig.TAXONOMY_FILE_CONFIG, file.toString()));
        Taxonomy custom = Taxonomy.of(config);
        assertThat(custom.size()).isEqualTo(1);
        assertThat(custom.classify(Stage.RUN, "NameError", "x", 3, 5)).isEqualTo(ErrorCategory.U_GLOBAL);
    }

    @Test
    void badTablesFailNamingFileAndLine() {
        assertThatThrownBy(() -> Taxonomy.parse("run\tNameError\t.*\tany\n", "t.tsv"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.tsv").hasMessageContaining("line 1");
        assertThatThrownBy(() -> Taxonomy.parse("# c\nrun\tName(Error\t.*\tany\tU_LINE\n", "t.tsv"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("line 2").hasMessageContaining("regular expression");
        assertThatThrownBy(() -> Taxonomy.parse("run\t.*\t.*\tsomewhere\tU_LINE\n", "t.tsv"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("line must be");
        assertThatThrownBy(() -> Taxonomy.parse("run\t.*\t.*\tany\tU_WHATEVER\n", "t.tsv"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("category");
        assertThatThrownBy(() -> Taxonomy.parse("# nothing\n", "t.tsv")).hasMessageContaining("no rules");
        assertThatThrownBy(() -> Taxonomy.load(Path.of("/nonexistent/taxonomy.tsv")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GraderConfig.TAXONOMY_FILE_CONFIG);
    }
}
