package org.rltf.grader.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.rltf.data.Datasets;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;

/**
 * {@code rltf bench grader}: the warm sandboxed grader against a fresh-interpreter-per-program harness,
 * side by side in one run, on HumanEval's reference solutions with HumanEval's own tests.
 *
 * <p>The baseline is what naive harnesses do: write prompt + completion + test module +
 * {@code check(entry_point)} to a file and run a new {@code python} process on it (exit status 0 =
 * pass), unsandboxed, with the same parallelism. By default it uses the grader's own resolved
 * interpreter executable, so the comparison is not flattered by a slow launcher such as a pyenv shim.
 * Both harnesses are fed by the same number of threads; each program's latency is measured from the
 * moment a thread picks it up until its verdict.
 */
public final class GraderBench {

    /** Bench settings. */
    public record Options(Path dataRoot, int parallelism, int rounds, int baselineRounds, String baselinePython) {
        public Options {
            if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1");
            if (rounds < 1 || baselineRounds < 1) throw new IllegalArgumentException("rounds must be at least 1");
        }
    }

    /** One harness's numbers. */
    public record Result(String harness, int programs, int passed, double seconds, double p50Ms, double p95Ms) {
        public double programsPerSecond() {
            return programs / seconds;
        }
    }

    /** Both harnesses' numbers and the ratios. */
    public record Report(Result warm, Result fresh, String python, int parallelism) {
        public double throughputRatio() {
            return warm.programsPerSecond() / fresh.programsPerSecond();
        }

        public double latencyRatio() {
            return fresh.p50Ms() / warm.p50Ms();
        }

        public void print(PrintStream out) {
            out.printf("Grader benchmark: HumanEval reference solutions, %d at a time, python %s%n", parallelism, python);
            out.printf("%-44s %9s %7s %9s %12s %9s %9s%n", "harness", "programs", "passed", "seconds", "programs/s", "p50 ms", "p95 ms");
            for (Result r : List.of(warm, fresh)) {
                out.printf("%-44s %9d %7d %9.2f %12.1f %9.2f %9.2f%n", r.harness(), r.programs(), r.passed(), r.seconds(),
                        r.programsPerSecond(), r.p50Ms(), r.p95Ms());
            }
            out.printf("throughput ratio (warm / fresh): %.1fx   p50 latency ratio (fresh / warm): %.1fx%n",
                    throughputRatio(), latencyRatio());
        }
    }

    private GraderBench() {
    }

    public static Report run(Options options, PrintStream progress) {
        List<Problem> problems = options.dataRoot() == null ? Datasets.load("humaneval")
                : Datasets.load("humaneval", options.dataRoot());
        try (Grader grader = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, options.parallelism(),
                GraderConfig.ID_CONFIG, "bench")))) {
            String python = options.baselinePython() != null ? options.baselinePython() : grader.pythonExecutable();
            progress.printf("warming up %d sandboxed workers...%n", grader.parallelism());
            measure("warm-up", problems.subList(0, Math.min(20, problems.size())), 1, options.parallelism(),
                    p -> grader.grade(p, sample(p)).getOutcome() == Outcome.PASS);
            progress.printf("warm sandboxed grader: %d x %d programs...%n", options.rounds(), problems.size());
            Result warm = measure("warm sandboxed grader (fork per test)", problems, options.rounds(), options.parallelism(),
                    p -> grader.grade(p, sample(p)).getOutcome() == Outcome.PASS);
            Path dir = tempDir();
            try {
                progress.printf("fresh interpreter per program: %d x %d programs...%n", options.baselineRounds(), problems.size());
                AtomicLong files = new AtomicLong();
                Result fresh = measure("fresh interpreter per program (unsandboxed)", problems, options.baselineRounds(),
                        options.parallelism(), p -> runFresh(python, dir.resolve("p" + files.incrementAndGet() + ".py"), p));
                return new Report(warm, fresh, python, grader.parallelism());
            } finally {
                deleteDir(dir);
            }
        }
    }

    private static Result measure(String name, List<Problem> problems, int rounds, int threads, Predicate<Problem> grade) {
        List<Problem> work = new ArrayList<>();
        for (int r = 0; r < rounds; r++) work.addAll(problems);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double[] latencies = new double[work.size()];
        boolean[] passed = new boolean[work.size()];
        long started = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < work.size(); i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    passed[k] = grade.test(work.get(k));
                    latencies[k] = (System.nanoTime() - t0) / 1e6;
                }));
            }
            for (Future<?> f : futures) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(latencies);
        int ok = 0;
        for (boolean b : passed) if (b) ok++;
        return new Result(name, work.size(), ok, seconds, percentile(latencies, 0.50), percentile(latencies, 0.95));
    }

    /** The naive harness: a file with program + tests, a new interpreter on it, exit status 0 = pass. */
    private static boolean runFresh(String python, Path file, Problem p) {
        String program = p.getCodePrefix() + p.getReferenceSolutions().get(0).getCode() + "\n\n"
                + p.getTests().getSetupCode() + "\n\n" + String.join("\n", p.getTests().getAsserts()) + "\n";
        try {
            Files.writeString(file, program, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(python, file.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            process.getOutputStream().close();
            if (!process.waitFor(p.getTimeLimitMs() > 0 ? p.getTimeLimitMs() : 4000, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file; the directory goes at the end
            }
        }
    }

    private static Sample sample(Problem p) {
        return Sample.newBuilder().setRun("bench").setSampleId(p.getId() + "#ref0").setProblemId(p.getId())
                .setPolicyVersion(0).setCompletion(p.getReferenceSolutions().get(0).getCode())
                .setPromptTokenIds(List.of()).setTokenIds(List.of()).setTokenStarts(List.of()).setTokenEnds(List.of())
                .setLogProbs(List.of()).setTemperature(0f).setTopP(1f).setSeed(0).setGreedy(true)
                .setFinishReason("eos").setGeneratorId("bench").build();
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("rltf-bench-fresh-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteDir(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
