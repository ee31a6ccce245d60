package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The generated service commands report a bad value under the option the user typed, next to its key. */
class ServiceCommandTest {

    @Test
    void aBadBatchSizeIsReportedUnderTheOptionTyped() {
        CommandLine cli = Rltf.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute("grader", "--run", "r", "--bootstrap-servers", "127.0.0.1:9",
                "--schema-registry-url", "http://127.0.0.1:9", "--batch-size", "0");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("rltf grader: invalid configuration").contains("batch.max.records")
                .contains("(given as --batch-size)");
    }
}
