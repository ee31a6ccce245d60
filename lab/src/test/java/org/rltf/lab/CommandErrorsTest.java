package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a user sees when a command is pointed at the wrong thing: one line naming it, and a failing status. */
class CommandErrorsTest {

    @Test
    void aDirectoryThatIsNotACheckpointIsNamedInOneLine(@TempDir Path dir) {
        CommandLine cli = Rltf.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute("eval", "--checkpoint", dir.toString(), "--dataset", "humaneval", "--problems", "1");
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).startsWith("rltf eval: not a checkpoint: " + dir).contains("manifest.json")
                .doesNotContain("\tat ");
    }
}
