package org.rltf.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chaos child ends when the process that started it is gone, and otherwise runs its main as given; and a
 * {@link Child} is started that way, so killing the chaos run's JVM ends its children.
 */
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

    /** Writes its pid to the file it is given (whole, by a rename), then runs far longer than the test waits. */
    public static final class WritesItsPid {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            Path partial = Path.of(args[0] + ".partial");
            Files.writeString(partial, Long.toString(ProcessHandle.current().pid()));
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(120_000);
        }
    }

    /** A chaos run's JVM in miniature: starts one {@link Child} ({@link WritesItsPid}) as the run does, then waits. */
    public static final class StartsAChild {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            new Child("child", WritesItsPid.class.getName(), List.of(), List.of(dir.resolve("pid").toString()),
                    dir.resolve("logs"), dir).start();
            Thread.sleep(120_000);
        }
    }

    @Test
    void aChaosChildEndsWhenTheJvmThatStartedItIsKilled(@TempDir Path dir) throws Exception {
        Process run = new ProcessBuilder(List.of(java(), "-cp", System.getProperty("java.class.path"),
                StartsAChild.class.getName(), dir.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle child = null;
        try {
            Path pid = dir.resolve("pid");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pid) || !run.isAlive());
            assertThat(pid).as("the child's pid (the run's JVM is alive: %s)", run.isAlive()).exists();
            child = ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).orElseThrow();
            run.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook of the run's JVM stops its children
            ProcessHandle c = child;
            await().atMost(Duration.ofSeconds(60)).until(() -> !c.isAlive());
        } finally {
            run.destroyForcibly();
            if (child != null) child.destroyForcibly();
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
        return new ProcessBuilder(List.of(java(), "-cp", System.getProperty("java.class.path"),
                ChildMain.class.getName(), Long.toString(parentPid), main.getName(), arg))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
