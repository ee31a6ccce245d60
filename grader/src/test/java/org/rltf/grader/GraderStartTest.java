package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;

/** Start-up: bad config fails naming the key; a missing sandbox is refused, never silently skipped. */
class GraderStartTest {

    @Test
    void badValuesFailNamingTheKey() {
        assertThatThrownBy(() -> new GraderConfig(Map.of(GraderConfig.TEST_TIMEOUT_MS_CONFIG, 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GraderConfig.TEST_TIMEOUT_MS_CONFIG);
        assertThatThrownBy(() -> new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, "lots")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GraderConfig.PARALLELISM_CONFIG);
        assertThatThrownBy(() -> new GraderConfig(Map.of(GraderConfig.MEMORY_LIMIT_MB_CONFIG, 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GraderConfig.MEMORY_LIMIT_MB_CONFIG);
        GraderConfig defaults = GraderConfig.defaults();
        assertThat(defaults.testTimeoutMs()).isEqualTo(4000);
        assertThat(defaults.python()).isEqualTo("python3");
        assertThat(defaults.insecureNoSandbox()).isFalse();
        assertThat(defaults.parallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(new GraderConfig(Map.of("unrelated.key", "x", GraderConfig.ID_CONFIG, "g7")).id()).isEqualTo("g7");
    }

    @Test
    void missingBubblewrapIsRefusedNamingIt() {
        assertThatThrownBy(() -> Grader.start(new GraderConfig(Map.of(GraderConfig.BWRAP_CONFIG, "/nonexistent/bwrap"))))
                .isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining("bubblewrap")
                .hasMessageContaining(GraderConfig.INSECURE_NO_SANDBOX_CONFIG);
    }

    @Test
    void missingPythonIsRefusedNamingIt() {
        assertThatThrownBy(() -> Grader.start(new GraderConfig(Map.of(GraderConfig.PYTHON_CONFIG, "/nonexistent/python3"))))
                .isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining(GraderConfig.PYTHON_CONFIG);
    }

    @Test
    void workersOutliveTheThreadsThatStartedThem() throws Exception {
        // bwrap --die-with-parent fires when the starting *thread* ends; workers must not depend on it.
        try (Grader g = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, 1)))) {
            Problem p = Problems.asserts("t/outlive", "", "", "assert f(2) == 4");
            Thread.sleep(300);
            assertThat(g.workers()).allMatch(PythonWorker::alive);
            for (int i = 0; i < 4; i++) {
                assertThat(g.grade(p, Problems.sample(p, "def f(x):\n    return x * x\n")).getOutcome()).isEqualTo(Outcome.PASS);
            }
            g.workers().forEach(w -> w.processHandle().ifPresent(ProcessHandle::destroyForcibly));
            Thread shortLived = new Thread(() -> g.grade(p, Problems.sample(p, "def f(x):\n    return x * x\n")));
            shortLived.start();
            shortLived.join();
            Thread.sleep(300);
            assertThat(g.workers()).as("the worker restarted by a thread that has ended").allMatch(PythonWorker::alive);
            for (int i = 0; i < 4; i++) {
                Feedback fb = g.grade(p, Problems.sample(p, "def f(x):\n    return x * x\n"));
                assertThat(fb.getOutcome()).as(fb.toString()).isEqualTo(Outcome.PASS);
            }
        }
    }

    @Test
    void insecureModeStillGradesForDebugging() {
        try (Grader g = Grader.start(new GraderConfig(Map.of(GraderConfig.INSECURE_NO_SANDBOX_CONFIG, true,
                GraderConfig.PARALLELISM_CONFIG, 1)))) {
            assertThat(g.sandboxed()).isFalse();
            Problem p = Problems.asserts("t/insecure", "", "", "assert f(2) == 4");
            Feedback pass = g.grade(p, Problems.sample(p, "def f(x):\n    return x * x\n"));
            assertThat(pass.getOutcome()).isEqualTo(Outcome.PASS);
            Feedback loop = g.grade(Problems.withTimeLimit(p, 300),
                    Problems.sample(p, "import os\nos.fork()\nwhile True:\n    pass\n"));
            assertThat(loop.getErrorClass()).isEqualTo("Timeout");
        }
    }
}
