package org.rltf.grader.offline;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rltf.data.Datasets;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestResult;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;

/**
 * Grades programs without Kafka: a dataset's reference solutions, or samples from a JSON-lines file,
 * with the same sandboxed {@link Grader} the service uses. Behind {@code rltf grade}.
 *
 * <p>Samples file: one JSON object per line,
 * <pre>{"problem_id": "humaneval/HumanEval/0", "completion": "    return ...\n"}</pre>
 * with an optional {@code "sample_id"} (default: {@code <problem_id>#<line number>}). The completion is
 * what the model wrote after the problem's code prefix (HumanEval: the body after the prompt; MBPP and
 * APPS: the whole program). Blank lines are skipped.
 *
 * <p>Results file (optional): one JSON object per graded program, in input order: sample_id,
 * problem_id, outcome, passed, total, error_class, error_message, error_line, error_category,
 * error_span_start, error_span_end, grade_time_ms and per-test status, time_ms, error_class, message.
 */
public final class OfflineGrade {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to grade and how. */
    public record Options(String dataset, Path dataRoot, Path samples, boolean reference, Path out,
                          Map<String, Object> graderConfig) {
        public Options {
            if (dataset == null || dataset.isBlank()) throw new IllegalArgumentException("a dataset is required");
            if ((samples == null) == !reference) {
                throw new IllegalArgumentException("give either a samples file or reference (grade the reference solutions)");
            }
            graderConfig = graderConfig == null ? Map.of() : Map.copyOf(graderConfig);
        }
    }

    /** One program to grade. */
    record Job(Problem problem, Sample sample) {}

    /** Counts over everything graded. */
    public record Summary(String dataset, int programs, int problems, int problemsWithPass, long testsPassed,
                          long testsTotal, Map<Outcome, Integer> outcomes, Map<String, Integer> errorClasses,
                          Map<ErrorCategory, Integer> categories, int unknownProblems, double seconds, int parallelism,
                          Map<Long, Integer> testLimits) {

        public void print(PrintStream out) {
            out.printf("Graded %d programs of %d problems (%s) in %.1f s: %.1f programs/s with %d workers%n",
                    programs, problems, dataset, seconds, seconds > 0 ? programs / seconds : 0, parallelism);
            StringBuilder o = new StringBuilder("  outcomes:");
            for (Outcome outcome : Outcome.values()) {
                o.append(String.format("  %s %d (%.1f%%)", outcome, outcomes.getOrDefault(outcome, 0),
                        programs == 0 ? 0 : 100.0 * outcomes.getOrDefault(outcome, 0) / programs));
            }
            out.println(o);
            out.printf("  problems with a passing program: %d/%d (%.1f%%)%n", problemsWithPass, problems,
                    problems == 0 ? 0 : 100.0 * problemsWithPass / problems);
            out.printf("  tests passed: %d/%d%n", testsPassed, testsTotal);
            StringBuilder c = new StringBuilder("  error categories:");
            categories.forEach((k, v) -> c.append(' ').append(k).append(' ').append(v));
            out.println(c);
            out.println("  error classes:" + (errorClasses.isEmpty() ? " none" : ""));
            errorClasses.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> out.printf("    %-24s %d%n", e.getKey(), e.getValue()));
            if (!testLimits.isEmpty()) out.println("  test time limits used: " + describeLimits(testLimits));
            if (unknownProblems > 0) out.printf("  samples for problems not in the dataset (skipped): %d%n", unknownProblems);
        }
    }

    private OfflineGrade() {
    }

    /** "4000 ms (160 problems), 9000 ms (1 problem)", or a range when there are many different limits. */
    static String describeLimits(Map<Long, Integer> limits) {
        if (limits.size() <= 3) {
            StringBuilder s = new StringBuilder();
            limits.forEach((ms, n) -> s.append(s.length() == 0 ? "" : ", ").append(ms).append(" ms (").append(n)
                    .append(n == 1 ? " problem)" : " problems)"));
            return s.toString();
        }
        long most = limits.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        int others = limits.values().stream().mapToInt(Integer::intValue).sum() - limits.get(most);
        return most + " ms (" + limits.get(most) + " problems); " + limits.keySet().stream().filter(ms -> ms != most)
                .min(Long::compare).orElseThrow() + ".." + limits.keySet().stream().filter(ms -> ms != most)
                .max(Long::compare).orElseThrow() + " ms (" + others + " problems)";
    }

    /** Loads, grades (in parallel), writes results if asked, and returns the summary. */
    public static Summary run(Options options) {
        List<Problem> problems = options.dataRoot() == null ? Datasets.load(options.dataset())
                : Datasets.load(options.dataset(), options.dataRoot());
        Map<String, Problem> byId = new LinkedHashMap<>();
        problems.forEach(p -> byId.put(p.getId(), p));
        List<Job> jobs = new ArrayList<>();
        int[] unknown = {0};
        if (options.reference()) {
            for (Problem p : problems) {
                if (p.getReferenceSolutions().isEmpty()) continue;
                jobs.add(new Job(p, sample(p.getId() + "#ref0", p.getId(), p.getReferenceSolutions().get(0).getCode())));
            }
        } else {
            for (Sample s : readSamples(options.samples())) {
                Problem p = byId.get(s.getProblemId());
                if (p == null) {
                    unknown[0]++;
                } else {
                    jobs.add(new Job(p, s));
                }
            }
        }
        long started = System.nanoTime();
        List<Feedback> feedback = new ArrayList<>(jobs.size());
        int parallelism;
        Map<Long, Integer> limits = new TreeMap<>();
        try (Grader grader = Grader.start(new GraderConfig(options.graderConfig()))) {
            parallelism = grader.parallelism();
            List<CompletableFuture<Feedback>> futures = new ArrayList<>(jobs.size());
            for (Job job : jobs) futures.add(grader.gradeAsync(job.problem(), job.sample()));
            for (CompletableFuture<Feedback> f : futures) feedback.add(f.join());
            Set<String> seen = new HashSet<>();
            for (Job job : jobs) {
                if (seen.add(job.problem().getId())) limits.merge(grader.testLimitMs(job.problem()), 1, Integer::sum);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (options.out() != null) writeResults(options.out(), feedback);
        return summarize(options.dataset(), jobs, feedback, unknown[0], seconds, parallelism, limits);
    }

    static Summary summarize(String dataset, List<Job> jobs, List<Feedback> feedback, int unknown, double seconds,
                             int parallelism, Map<Long, Integer> limits) {
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        Map<String, Integer> classes = new TreeMap<>();
        Map<ErrorCategory, Integer> categories = new EnumMap<>(ErrorCategory.class);
        Set<String> problems = new LinkedHashSet<>();
        Set<String> passed = new LinkedHashSet<>();
        long testsPassed = 0;
        long testsTotal = 0;
        for (int i = 0; i < feedback.size(); i++) {
            Feedback f = feedback.get(i);
            problems.add(jobs.get(i).problem().getId());
            outcomes.merge(f.getOutcome(), 1, Integer::sum);
            if (f.getErrorClass() != null) classes.merge(f.getErrorClass(), 1, Integer::sum);
            categories.merge(f.getErrorCategory(), 1, Integer::sum);
            if (f.getOutcome() == Outcome.PASS) passed.add(f.getProblemId());
            testsPassed += f.getPassed();
            testsTotal += f.getTotal();
        }
        return new Summary(dataset, feedback.size(), problems.size(), passed.size(), testsPassed, testsTotal,
                outcomes, classes, categories, unknown, seconds, parallelism, limits);
    }

    /** Reads a samples file; a malformed line fails naming the file and line. */
    static List<Sample> readSamples(Path file) {
        List<Sample> samples = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + n + ": not JSON: " + e.getOriginalMessage());
                }
                JsonNode problemId = row.get("problem_id");
                JsonNode completion = row.get("completion");
                if (problemId == null || !problemId.isTextual() || completion == null || !completion.isTextual()) {
                    throw new IllegalArgumentException(file + " line " + n
                            + ": expected {\"problem_id\": string, \"completion\": string}");
                }
                String id = row.hasNonNull("sample_id") ? row.get("sample_id").asText() : problemId.asText() + "#" + n;
                if (seen.put(id, n) != null) {
                    throw new IllegalArgumentException(file + " line " + n + ": duplicate sample_id " + id);
                }
                samples.add(sample(id, problemId.asText(), completion.asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read samples file " + file, e);
        }
        return samples;
    }

    static Sample sample(String sampleId, String problemId, String completion) {
        return Sample.newBuilder().setRun("offline").setSampleId(sampleId).setProblemId(problemId).setPolicyVersion(0)
                .setCompletion(completion).setPromptTokenIds(List.of()).setTokenIds(List.of()).setTokenStarts(List.of())
                .setTokenEnds(List.of()).setLogProbs(List.of()).setTemperature(0f).setTopP(1f).setSeed(0)
                .setGreedy(false).setFinishReason("eos").setGeneratorId("offline").build();
    }

    static void writeResults(Path out, List<Feedback> feedback) {
        try {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (Feedback f : feedback) {
                    w.write(JSON.writeValueAsString(toJson(f)));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + out, e);
        }
    }

    static ObjectNode toJson(Feedback f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("sample_id", f.getSampleId());
        o.put("problem_id", f.getProblemId());
        o.put("outcome", f.getOutcome().name());
        o.put("passed", f.getPassed());
        o.put("total", f.getTotal());
        o.put("error_class", f.getErrorClass());
        o.put("error_message", f.getErrorMessage());
        o.put("error_line", f.getErrorLine());
        o.put("error_category", f.getErrorCategory().name());
        o.put("error_span_start", f.getErrorSpanStart());
        o.put("error_span_end", f.getErrorSpanEnd());
        o.put("grade_time_ms", f.getGradeTimeMs());
        var tests = o.putArray("tests");
        for (TestResult t : f.getTests()) {
            ObjectNode tj = tests.addObject();
            tj.put("status", t.getStatus().name());
            tj.put("time_ms", t.getTimeMs());
            tj.put("error_class", t.getErrorClass());
            tj.put("message", t.getMessage());
        }
        return o;
    }
}
