package org.rltf.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** A chaos child ends when the process that started it is gone, and otherwise runs its main as given. */
class ChildMainTest {
    /** A service stand-in: runs far longer than the test waits. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(Long.parseLong(args[0]));
        }
    }

    /** Exits with the status it is given, to show the main and its args are the child's. */
    public static final class Exits {
        public static void main(String[] args) {
            System.exit(Integer.parseInt(args[0]));
        }
    }

    @Test
    void aChildWhoseParentDiesEndsAtOnce() throws Exception {
        Process parent = new ProcessBuilder("sleep", "1").start();
        Process child = start(parent.pid(), Sleeper.class, "120000");
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended after its parent").isTrue();
        assertThat(child.exitValue()).isEqualTo(ChildMain.ORPHANED);
    }

    @Test
    void aChildWithItsParentAliveRunsItsMainWithItsArgs() throws Exception {
        Process child = start(ProcessHandle.current().pid(), Exits.class, "7");
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(7);
    }

    private static Process start(long parentPid, Class<?> main, String arg) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                ChildMain.class.getName(), Long.toString(parentPid), main.getName(), arg))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
