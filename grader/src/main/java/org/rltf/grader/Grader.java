package org.rltf.grader;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reward function's first half: runs a sampled program against all of its problem's unit tests in
 * a sandbox and reports RLTF's multi-granularity feedback (RLTF-METHOD.md sections 1 and 2).
 *
 * <p>The program graded is {@code problem.code_prefix + sample.completion}. It runs in one of
 * {@link GraderConfig#PARALLELISM_CONFIG} warm, sandboxed Python workers (see {@link Sandbox} and
 * the worker script {@code org/rltf/grader/worker.py}); every test runs in a fresh fork of the worker
 * under the slot's own unprivileged uid with CPU, memory, process, file-size and output limits.
 *
 * <p>Whatever the program does, {@link #grade} returns a {@link Feedback}: the program's failures are
 * PASS/FAILURE/RUNTIME_ERROR/SYNTAX_ERROR with their details; the grader's own failures (a worker that
 * dies or hangs, a problem whose test code is broken) are SANDBOX_ERROR, after which the worker is
 * replaced and grading carries on.
 */
public final class Grader implements ProgramGrader {
    private static final Logger log = LoggerFactory.getLogger(Grader.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Time a worker gets beyond a program's own limits to report, before it counts as hung. */
    private static final long WORKER_GRACE_MS = 15_000;

    private final GraderConfig config;
    private final String id;
    private final Sandbox sandbox;
    private final Spawner spawner;
    private final FeedbackAssembler assembler;
    private final TestTimeLimits limits;
    private final List<PythonWorker> workers;
    private final BlockingQueue<PythonWorker> idle;
    private final ExecutorService executor;
    private volatile boolean closed;

    private Grader(GraderConfig config, Sandbox sandbox, Spawner spawner, Taxonomy taxonomy, List<PythonWorker> workers) {
        this.config = config;
        this.id = config.id();
        this.sandbox = sandbox;
        this.spawner = spawner;
        this.assembler = new FeedbackAssembler(taxonomy, id);
        this.limits = new TestTimeLimits(config);
        this.workers = List.copyOf(workers);
        this.idle = new ArrayBlockingQueue<>(workers.size(), false, workers);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "rltf-grader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = Executors.newFixedThreadPool(workers.size(), threads);
    }

    /**
     * Starts {@code parallelism} sandboxed workers, each checked from inside its sandbox.
     *
     * @throws SandboxUnavailableException naming what is missing when programs cannot be isolated
     * @throws org.apache.kafka.common.config.ConfigException for a bad taxonomy file
     */
    public static Grader start(GraderConfig config) {
        Taxonomy taxonomy = Taxonomy.of(config);
        Sandbox sandbox = Sandbox.prepare(config);
        Spawner spawner = new Spawner();
        List<PythonWorker> workers = new ArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(Math.min(config.parallelism(), 8));
        try {
            List<Future<PythonWorker>> started = new ArrayList<>();
            for (int slot = 0; slot < config.parallelism(); slot++) {
                PythonWorker worker = new PythonWorker(sandbox, spawner, slot, config.workerStartTimeoutMs());
                workers.add(worker);
                started.add(starter.submit(() -> {
                    worker.start();
                    return worker;
                }));
            }
            for (Future<PythonWorker> f : started) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SandboxUnavailableException s) throw s;
                    throw new SandboxUnavailableException("a sandboxed worker did not start: " + cause.getMessage()
                            + " (is this a machine where unprivileged namespaces or bubblewrap are blocked?)", cause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.forEach(PythonWorker::close);
            spawner.close();
            sandbox.close();
            throw new SandboxUnavailableException("interrupted while starting workers", e);
        } catch (RuntimeException e) {
            workers.forEach(PythonWorker::close);
            spawner.close();
            sandbox.close();
            throw e;
        } finally {
            starter.shutdownNow();
        }
        JsonNode hello = workers.get(0).hello();
        Grader grader = new Grader(config, sandbox, spawner, taxonomy, workers);
        log.info("Grader {} started {} {} worker(s): python {} ({}), uids {}..{}, memory {} MiB; test limits: {}",
                config.id(), workers.size(), sandbox.sandboxed() ? "sandboxed" : "UNSANDBOXED",
                hello.path("python").asText(), sandbox.python().executable(), sandbox.uid(0),
                sandbox.uid(workers.size() - 1), config.memoryLimitBytes() >> 20, grader.limits.describe());
        return grader;
    }

    /** This instance's id, as in {@link Feedback#getGraderId()}. */
    @Override
    public String id() {
        return id;
    }

    /** Whether programs run sandboxed (false only with {@link GraderConfig#INSECURE_NO_SANDBOX_CONFIG}). */
    public boolean sandboxed() {
        return sandbox.sandboxed();
    }

    /** The real interpreter executable programs run in. */
    public String pythonExecutable() {
        return sandbox.python().executable();
    }

    /** Programs graded at once. */
    public int parallelism() {
        return workers.size();
    }

    /** The uids programs run as, first and last (tests check that nothing of theirs survives). */
    int[] programUids() {
        return new int[] {sandbox.uid(0), sandbox.uid(workers.size() - 1)};
    }

    List<PythonWorker> workers() {
        return workers;
    }

    /**
     * Grades one program, blocking until a worker is free and the program is done. Thread-safe.
     * Whatever the program does, the answer is a Feedback; SANDBOX_ERROR means the grader failed.
     *
     * @throws IllegalArgumentException if the sample is not for this problem
     * @throws IllegalStateException    if the grader is closed
     */
    public Feedback grade(Problem problem, Sample sample) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(sample, "sample");
        if (!Objects.equals(problem.getId(), sample.getProblemId())) {
            throw new IllegalArgumentException("sample " + sample.getSampleId() + " is for problem " + sample.getProblemId()
                    + ", not " + problem.getId());
        }
        if (closed) throw new IllegalStateException("grader " + id + " is closed");
        long started = System.nanoTime();
        TestSuite suite = problem.getTests();
        int testCount = Feedbacks.testCount(problem);
        if (testCount == 0) {
            return Feedbacks.sandboxError(sample, 0, id, "NoTests", "problem " + problem.getId() + " has no tests", 0);
        }
        if (suite.getKind() != TestKind.ASSERT && suite.getOutputs().size() != testCount) {
            return Feedbacks.sandboxError(sample, testCount, id, "BadProblem", "problem " + problem.getId() + " has "
                    + testCount + " inputs but " + suite.getOutputs().size() + " outputs", 0);
        }
        if (suite.getKind() == TestKind.CALL_BASED && (suite.getFnName() == null || suite.getFnName().isBlank())) {
            return Feedbacks.sandboxError(sample, testCount, id, "BadProblem", "call-based problem " + problem.getId()
                    + " names no function", 0);
        }
        ProgramText program = ProgramText.of(problem.getCodePrefix(), sample.getCompletion());
        CompletableFuture<TestTimeLimits.Timing> timing = limits.claimTiming(problem, sample.getCompletion());
        if (timing != null) {
            // This is the problem's reference solution, whose time its limit waits for: its grading is the timing run.
            Feedback reference = null;
            try {
                reference = run(problem, sample, program, testCount, limits.timingRunMs(), started);
            } finally {
                limits.record(problem, timing, reference);
            }
            return reference;
        }
        long testTimeoutMs = limits.limitMs(problem, this::timeReference);
        return run(problem, sample, program, testCount, testTimeoutMs, started);
    }

    /** Grades {@code problem}'s first reference solution at the timing run's limit. */
    private Feedback timeReference(Problem problem) {
        String code = problem.getReferenceSolutions().get(0).getCode();
        Sample sample = Sample.newBuilder().setRun(problem.getRun()).setSampleId(problem.getId() + "#reference-timing")
                .setProblemId(problem.getId()).setPolicyVersion(0).setCompletion(code).setPromptTokenIds(List.of())
                .setTokenIds(List.of()).setTokenStarts(List.of()).setTokenEnds(List.of()).setLogProbs(List.of())
                .setTemperature(0f).setTopP(1f).setSeed(0).setGreedy(true).setFinishReason("eos").setGeneratorId(id)
                .build();
        return run(problem, sample, ProgramText.of(problem.getCodePrefix(), code), Feedbacks.testCount(problem),
                limits.timingRunMs(), System.nanoTime());
    }

    /**
     * The limit each test of {@code problem} gets ({@link TestTimeLimits}): after its programs were graded, the
     * limit they were graded with.
     */
    public long testLimitMs(Problem problem) {
        return limits.knownLimitMs(problem);
    }

    /** Runs one program on a free worker, each test limited to {@code testTimeoutMs}. */
    private Feedback run(Problem problem, Sample sample, ProgramText program, int testCount, long testTimeoutMs,
                         long started) {
        ObjectNode job = job(program, problem.getTests(), testTimeoutMs);

        PythonWorker worker;
        try {
            worker = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Feedbacks.sandboxError(sample, testCount, id, "Interrupted", "interrupted waiting for a worker",
                    elapsedMs(started));
        }
        try {
            if (!worker.alive()) worker.restart();
            JsonNode reply = worker.call(job, config.programTimeoutMs() + testTimeoutMs + WORKER_GRACE_MS);
            return assembler.fromReply(problem, sample, program, testCount, reply, elapsedMs(started));
        } catch (PythonWorker.WorkerFailure | RuntimeException e) {
            log.warn("Grader {}: worker {} failed on sample {}: {}", id, worker.slot(), sample.getSampleId(), e.getMessage());
            restartQuietly(worker);
            return Feedbacks.sandboxError(sample, testCount, id, "WorkerFailure", e.getMessage(), elapsedMs(started));
        } finally {
            idle.add(worker);
        }
    }

    /** Grades one program on the grader's own threads; at most {@link #parallelism()} run at once. */
    @Override
    public CompletableFuture<Feedback> gradeAsync(Problem problem, Sample sample) {
        if (closed) throw new IllegalStateException("grader " + id + " is closed");
        return CompletableFuture.supplyAsync(() -> grade(problem, sample), executor);
    }

    private void restartQuietly(PythonWorker worker) {
        if (closed) {
            worker.kill();
            return;
        }
        try {
            worker.restart();
        } catch (PythonWorker.WorkerFailure | RuntimeException e) {
            // It will be tried again when next lent out; until then its gradings are SANDBOX_ERRORs.
            log.error("Grader {}: worker {} cannot be restarted: {}", id, worker.slot(), e.getMessage());
        }
    }

    private ObjectNode job(ProgramText program, TestSuite suite, long testTimeoutMs) {
        ObjectNode job = JSON.createObjectNode();
        job.put("kind", suite.getKind().name());
        job.put("program", program.program());
        ArrayNode inputs = job.putArray("inputs");
        suite.getInputs().forEach(inputs::add);
        ArrayNode outputs = job.putArray("outputs");
        suite.getOutputs().forEach(outputs::add);
        job.put("fn_name", suite.getFnName());
        job.put("setup_code", suite.getSetupCode());
        ArrayNode asserts = job.putArray("asserts");
        suite.getAsserts().forEach(asserts::add);
        job.put("test_timeout_s", testTimeoutMs / 1000.0);
        job.put("program_timeout_s", config.programTimeoutMs() / 1000.0);
        job.put("memory_bytes", config.memoryLimitBytes());
        job.put("output_bytes", config.outputLimitBytes());
        job.put("file_bytes", config.fileSizeLimitBytes());
        job.put("process_limit", config.processLimit());
        return job;
    }

    private static int elapsedMs(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    /** Stops the workers (killing whatever they run) and removes the grader's temporary files. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.forEach(PythonWorker::close);
        spawner.close();
        sandbox.close();
    }
}
