package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs the Python unit tests of the worker's judging module (src/test/python/test_judging.py on
 * src/main/resources/org/rltf/grader/judging.py) with the machine's python3, so that the build fails when they do.
 * Standard library only, no network; -B keeps bytecode out of the source tree.
 */
class JudgingModuleTest {

    @Test
    void pythonUnitTestsOfTheJudgingModulePass() throws IOException, InterruptedException {
        Path module = Path.of("src/main/resources/org/rltf/grader");
        Path tests = Path.of("src/test/python");
        assertThat(module.resolve("judging.py")).as("run from the grader module's directory").isRegularFile();
        assertThat(tests.resolve("test_judging.py")).isRegularFile();
        Path log = Files.createTempFile("rltf-judging-tests-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(GraderConfig.defaults().python(), "-B", "-m", "unittest", "discover",
                    "-s", tests.toString(), "-p", "test_*.py", "-v")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("PYTHONPATH", module.toAbsolutePath().toString());
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            Process p = pb.start();
            p.getOutputStream().close();
            boolean finished = p.waitFor(120, TimeUnit.SECONDS);
            if (!finished) p.destroyForcibly();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(finished).as("python unit tests finished in 2 minutes:%n%s", output).isTrue();
            assertThat(p.exitValue()).as("python -m unittest exit status:%n%s", output).isZero();
            assertThat(output).as(output).containsPattern("Ran [1-9][0-9]* tests").contains("\nOK");
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
