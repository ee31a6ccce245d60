package org.rltf.grader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm Python worker (resource {@code org/rltf/grader/worker.py}) in its sandbox, and the line
 * protocol to it: one JSON job out, one JSON reply back. Not thread-safe: the {@link Grader} lends
 * each worker to one grading at a time.
 *
 * <p>A worker that dies, answers garbage or does not answer in time is killed (its whole sandbox goes
 * with it) and {@link #call} throws {@link WorkerFailure}; {@link #restart} starts a fresh one.
 */
final class PythonWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PythonWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOF = new String("<eof>");   // a unique marker, compared by identity
    private static final int STDERR_LINES_KEPT = 40;

    /** The worker failed (the grader's own failure, never the program's). */
    static final class WorkerFailure extends Exception {
        private static final long serialVersionUID = 1L;

        WorkerFailure(String message) {
            super(message);
        }

        WorkerFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Sandbox sandbox;
    private final Spawner spawner;
    private final int slot;
    private final long startTimeoutMs;
    private volatile Process process;
    private OutputStream stdin;
    private BlockingQueue<String> lines;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private JsonNode hello;
    private long nextJobId;

    PythonWorker(Sandbox sandbox, Spawner spawner, int slot, long startTimeoutMs) {
        this.sandbox = sandbox;
        this.spawner = spawner;
        this.slot = slot;
        this.startTimeoutMs = startTimeoutMs;
    }

    int slot() {
        return slot;
    }

    JsonNode hello() {
        return hello;
    }

    /** The worker's sandbox (bwrap) process, while it runs. */
    java.util.Optional<ProcessHandle> processHandle() {
        Process p = process;
        return p == null ? java.util.Optional.empty() : java.util.Optional.of(p.toHandle());
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the worker and waits for its self-checked hello.
     *
     * @throws WorkerFailure if it cannot start or does not say hello in time
     * @throws SandboxUnavailableException if its self-check shows the sandbox is not tight
     */
    void start() throws WorkerFailure {
        kill();
        ProcessBuilder pb = new ProcessBuilder(sandbox.command(slot));
        if (!sandbox.sandboxed()) {
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(Sandbox.workerEnvironment());
        }
        try {
            process = spawner.start(pb);
        } catch (IOException e) {
            throw new WorkerFailure("cannot start worker " + slot + ": " + e.getMessage(), e);
        }
        stdin = process.getOutputStream();
        lines = new LinkedBlockingQueue<>();
        BlockingQueue<String> myLines = lines;
        Process myProcess = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(myProcess.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) myLines.add(line);
            } catch (IOException e) {
                // the process is gone; EOF below says so
            } finally {
                myLines.add(EOF);
            }
        }, "rltf-grader-worker-" + slot + "-out");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(myProcess.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.debug("worker {}: {}", slot, line);
                    synchronized (stderrTail) {
                        stderrTail.addLast(line.length() > 500 ? line.substring(0, 500) : line);
                        while (stderrTail.size() > STDERR_LINES_KEPT) stderrTail.removeFirst();
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "rltf-grader-worker-" + slot + "-err");
        errors.setDaemon(true);
        errors.start();

        String line = take(startTimeoutMs, "start");
        try {
            hello = JSON.readTree(line);
        } catch (IOException e) {
            kill();
            throw new WorkerFailure("worker " + slot + " said something other than hello: " + abbreviate(line), e);
        }
        if (!hello.path("hello").asBoolean()) {
            kill();
            throw new WorkerFailure("worker " + slot + " said something other than hello: " + abbreviate(line));
        }
        try {
            sandbox.verify(hello, slot);
        } catch (SandboxUnavailableException e) {
            kill();
            throw e;
        }
        log.debug("worker {} ready: {}", slot, hello);
    }

    /** Kills whatever runs and starts afresh. */
    void restart() throws WorkerFailure {
        start();
    }

    /**
     * Sends one job and waits for its reply.
     *
     * @throws WorkerFailure if the worker dies, hangs past {@code timeoutMs} or answers garbage; the
     *                       worker is dead afterwards
     */
    JsonNode call(ObjectNode job, long timeoutMs) throws WorkerFailure {
        if (!alive()) throw new WorkerFailure("worker " + slot + " is not running");
        long id = ++nextJobId;
        job.put("id", id);
        try {
            stdin.write(JSON.writeValueAsBytes(job));
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            String tail = stderrTail();
            kill();
            throw new WorkerFailure("worker " + slot + " stopped reading jobs: " + e.getMessage() + tail, e);
        }
        String line = take(timeoutMs, "job " + id);
        JsonNode reply;
        try {
            reply = JSON.readTree(line);
        } catch (IOException e) {
            kill();
            throw new WorkerFailure("worker " + slot + " answered garbage: " + abbreviate(line), e);
        }
        if (reply.path("id").asLong(-1) != id) {
            kill();
            throw new WorkerFailure("worker " + slot + " answered job " + reply.path("id") + " instead of " + id);
        }
        return reply;
    }

    private String take(long timeoutMs, String what) throws WorkerFailure {
        String line;
        try {
            line = lines.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new WorkerFailure("interrupted waiting for worker " + slot, e);
        }
        if (line == null) {
            String tail = stderrTail();
            kill();
            throw new WorkerFailure("worker " + slot + " did not answer (" + what + ") within " + timeoutMs + " ms" + tail);
        }
        if (line == EOF) {
            Integer exit = null;
            try {
                if (process.waitFor(2, TimeUnit.SECONDS)) exit = process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String tail = stderrTail();
            kill();
            throw new WorkerFailure("worker " + slot + " died (" + what + ", exit status " + exit + ")" + tail);
        }
        return line;
    }

    private String stderrTail() {
        try {
            Thread.sleep(20);   // let the stderr reader catch up with a dying worker's last words
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : "; its stderr ends: " + String.join(" | ", stderrTail);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** Kills the worker and its whole sandbox. */
    void kill() {
        Process p = process;
        if (p == null) return;
        process = null;
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        kill();
    }
}
