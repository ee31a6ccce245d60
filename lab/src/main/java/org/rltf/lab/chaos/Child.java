package org.rltf.lab.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of the chaos run (the broker, the registry or a service), started as {@code java -cp <this JVM's
 * classpath> ChildMain <this pid> <main> <args>} (so that it ends with this JVM) with its output appended to
 * {@code <logs>/<name>.log}, and the signals the schedule sends
 * it: SIGKILL ({@link #kill}) and SIGTERM ({@link #term}). Its temporary files go to the run's own temp directory,
 * so the leftover check sees exactly what the run's processes left behind.
 */
final class Child {
    private final String name;
    private final List<String> command;
    private final Path log;
    private volatile Process process;
    private int starts;
    /** Set when the schedule stopped it: an exit that follows is expected, not a failure. */
    private volatile boolean stoppedOnPurpose;
    private volatile Integer unexpectedExit;

    Child(String name, String main, List<String> jvmOptions, List<String> args, Path logs, Path tmp) {
        this.name = name;
        this.log = logs.resolve(name + ".log");
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(jvmOptions);
        c.add("-Djava.io.tmpdir=" + tmp);
        for (String p : List.of("ai.djl.offline", "ai.djl.default_engine", "rltf.shared.data")) {
            String v = System.getProperty(p);
            if (v != null) c.add("-D" + p + "=" + v);
        }
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(ChildMain.class.getName()); // ends the child with this JVM, however this one ends
        c.add(Long.toString(ProcessHandle.current().pid()));
        c.add(main);
        c.addAll(args);
        this.command = List.copyOf(c);
    }

    String name() { return name; }

    Path log() { return log; }

    int starts() { return starts; }

    synchronized void start() {
        if (process != null && process.isAlive()) throw new IllegalStateException(name + " is running");
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().put("DJL_OFFLINE", "true");
            pb.environment().put("OPT_OUT_TRACKING", "true");
            Files.writeString(log, "---- chaos: start #" + (starts + 1) + " of " + name + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            stoppedOnPurpose = false;
            process = pb.start();
            starts++;
            Process p = process;
            p.onExit().thenAccept(done -> {
                synchronized (this) {
                    // An older process ending late (after a restart) is not this one's exit.
                    if (done == process && !stoppedOnPurpose && unexpectedExit == null) unexpectedExit = done.exitValue();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
    }

    /** SIGKILL: no shutdown hook, no close, nothing flushed. */
    synchronized void kill() {
        stoppedOnPurpose = true;
        if (process != null) {
            process.destroyForcibly();
            waitFor(30);
        }
    }

    /** SIGTERM, then up to {@code seconds} for it to finish what it has in hand; SIGKILL after that. */
    synchronized void term(long seconds) {
        stoppedOnPurpose = true;
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!waitFor(seconds)) {
            process.destroyForcibly();
            waitFor(30);
        }
    }

    private boolean waitFor(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean isAlive() { return process != null && process.isAlive(); }

    /** The exit status of an exit the schedule did not cause, or null. */
    Integer unexpectedExit() { return unexpectedExit; }

    /** The last lines of its log, for a report on a failure. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
