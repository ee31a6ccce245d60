package org.rltf.grader.offline;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.ServiceSpec;

/**
 * Grades programs without Kafka: a dataset's reference solutions, or samples from a JSON-lines file,
 * with the same sandboxed {@link Grader} the service uses. Behind {@code rltf grade}.
 *
 * <p>Samples file: one JSON object per line, UTF-8,
 * <pre>{"problem_id": "humaneval/HumanEval/0", "completion": "    return ...\n"}</pre>
 * with an optional {@code "sample_id"} (default: {@code <problem_id>#<line number>}). The completion is
 * what the model wrote after the problem's code prefix (HumanEval: the body after the prompt; MBPP and
 * APPS: the whole program). Blank lines are skipped. A line that is not such an object (not UTF-8, not
 * JSON, fields missing, a sample_id seen before) is reported with its number and not graded; with
 * {@code strict} the first one stops the run instead.
 *
 * <p>Results file (optional): one JSON object per non-blank line of the samples file (per reference
 * solution with {@code reference}), in input order: line, sample_id, problem_id, outcome, passed, total,
 * error_class, error_message, error_line, error_category, error_span_start, error_span_end, grade_time_ms
 * and per-test status, time_ms, error_class, message. A line that was not graded has the outcome
 * {@value #UNKNOWN_PROBLEM} (its problem is not in the dataset) or {@value #MALFORMED} (it is not a
 * sample; error_message says why), and no tests.
 */
public final class OfflineGrade {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The outcome of a results line whose sample's problem is not in the dataset. */
    public static final String UNKNOWN_PROBLEM = "UNKNOWN_PROBLEM";
    /** The outcome of a results line for a samples-file line that is not a sample. */
    public static final String MALFORMED = "MALFORMED";
    private static final int BAD_LINES_PRINTED = 20;
    /** The keys offline grading takes: the grader's; a mistyped one fails naming the nearest. */
    static final ServiceSpec SPEC = ServiceSpec.builder("offline grading (rltf grade)").config(GraderConfig.CONFIG).build();

    /** What to grade and how; {@code strict}: the first malformed samples line stops the run. */
    public record Options(String dataset, Path dataRoot, Path samples, boolean reference, Path out,
                          Map<String, Object> graderConfig, boolean strict) {
        public Options {
            if (dataset == null || dataset.isBlank()) throw new IllegalArgumentException("a dataset is required");
            if ((samples == null) == !reference) {
                throw new IllegalArgumentException("give either a samples file or reference (grade the reference solutions)");
            }
            graderConfig = graderConfig == null ? Map.of() : Map.copyOf(graderConfig);
        }

        public Options(String dataset, Path dataRoot, Path samples, boolean reference, Path out,
                       Map<String, Object> graderConfig) {
            this(dataset, dataRoot, samples, reference, out, graderConfig, false);
        }
    }

    /** A samples-file line that is not a sample, in strict mode; the message names the file and line. */
    public static final class SamplesFileException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        SamplesFileException(String message) {
            super(message);
        }
    }

    /**
     * One results line: a program to grade ({@code problem} set), or a samples-file line that is not graded
     * ({@code notGraded}: {@link #UNKNOWN_PROBLEM} or {@link #MALFORMED}, with {@code message}). {@code line} is the
     * samples file's line number, 0 for a reference solution.
     */
    record Job(int line, Problem problem, Sample sample, String sampleId, String problemId, String notGraded,
               String message) {
        static Job graded(int line, Problem problem, Sample sample) {
            return new Job(line, problem, sample, sample.getSampleId(), sample.getProblemId(), null, null);
        }
    }

    /** One non-blank line of a samples file: a sample, or why it is not one. */
    record SampleLine(int line, Sample sample, String error) {}

    /** Counts over everything graded. {@code badLines}: "file:line: why" for each malformed samples line. */
    public record Summary(String dataset, int programs, int problems, int problemsWithPass, long testsPassed,
                          long testsTotal, Map<Outcome, Integer> outcomes, Map<String, Integer> errorClasses,
                          Map<ErrorCategory, Integer> categories, int unknownProblems, double seconds, int parallelism,
                          Map<Long, Integer> testLimits, List<String> badLines, int withoutReference) {
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
            if (unknownProblems > 0) {
                out.printf("  samples for problems not in the dataset (not graded, %s in the results): %d%n",
                        UNKNOWN_PROBLEM, unknownProblems);
            }
            if (withoutReference > 0) {
                out.printf("  problems without a reference solution (not graded): %d%n", withoutReference);
            }
            if (!badLines.isEmpty()) {
                out.printf("  malformed lines (not graded, %s in the results): %d%n", MALFORMED, badLines.size());
                badLines.stream().limit(BAD_LINES_PRINTED).forEach(b -> out.println("    " + b));
                if (badLines.size() > BAD_LINES_PRINTED) {
                    out.printf("    ... and %d more%n", badLines.size() - BAD_LINES_PRINTED);
                }
            }
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

    /**
     * Loads, grades (in parallel), writes results if asked, and returns the summary.
     *
     * @throws org.rltf.kernel.UnknownConfigException for a key that is not the grader's
     * @throws SamplesFileException with {@code strict}, at the first malformed samples line
     * @throws IllegalArgumentException with {@code reference}, if no problem of the dataset has a reference solution
     */
    public static Summary run(Options options) {
        GraderConfig graderConfig = new GraderConfig(ConfigContract.check(SPEC, options.graderConfig()));
        List<Problem> problems = options.dataRoot() == null ? Datasets.load(options.dataset())
                : Datasets.load(options.dataset(), options.dataRoot());
        Map<String, Problem> byId = new LinkedHashMap<>();
        problems.forEach(p -> byId.put(p.getId(), p));
        List<Job> jobs = new ArrayList<>();
        List<String> badLines = new ArrayList<>();
        int unknown = 0;
        int withoutReference = 0;
        if (options.reference()) {
            for (Problem p : problems) {
                if (p.getReferenceSolutions().isEmpty()) {
                    withoutReference++;
                    continue;
                }
                jobs.add(Job.graded(0, p, sample(p.getId() + "#ref0", p.getId(), p.getReferenceSolutions().get(0).getCode())));
            }
            if (jobs.isEmpty()) {
                throw new IllegalArgumentException("no problem of " + options.dataset() + " has a reference solution ("
                        + problems.size() + " problems): there is nothing to grade with --reference; grade a samples file");
            }
        } else {
            for (SampleLine line : readSamples(options.samples(), options.strict())) {
                if (line.error() != null) {
                    badLines.add(line.error());
                    jobs.add(new Job(line.line(), null, null, null, null, MALFORMED, line.error()));
                    continue;
                }
                Sample s = line.sample();
                Problem p = byId.get(s.getProblemId());
                if (p == null) {
                    unknown++;
                    jobs.add(new Job(line.line(), null, s, s.getSampleId(), s.getProblemId(), UNKNOWN_PROBLEM,
                            "problem " + s.getProblemId() + " is not in " + options.dataset()));
                } else {
                    jobs.add(Job.graded(line.line(), p, s));
                }
            }
        }
        long started = System.nanoTime();
        List<Job> graded = jobs.stream().filter(j -> j.problem() != null).toList();
        Map<Job, Feedback> feedback = new IdentityHashMap<>();   // a Job's record equality would compare whole problems
        int parallelism;
        Map<Long, Integer> limits = new TreeMap<>();
        try (Grader grader = Grader.start(graderConfig)) {
            parallelism = grader.parallelism();
            List<CompletableFuture<Feedback>> futures = new ArrayList<>(graded.size());
            for (Job job : graded) futures.add(grader.gradeAsync(job.problem(), job.sample()));
            for (int i = 0; i < graded.size(); i++) feedback.put(graded.get(i), futures.get(i).join());
            Set<String> seen = new HashSet<>();
            for (Job job : graded) {
                if (seen.add(job.problem().getId())) limits.merge(grader.testLimitMs(job.problem()), 1, Integer::sum);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (options.out() != null) writeResults(options.out(), jobs, feedback, !options.reference());
        List<Feedback> inOrder = graded.stream().map(feedback::get).toList();
        Summary summary = summarize(options.dataset(), graded, inOrder, unknown, seconds, parallelism, limits);
        return new Summary(summary.dataset(), summary.programs(), summary.problems(), summary.problemsWithPass(),
                summary.testsPassed(), summary.testsTotal(), summary.outcomes(), summary.errorClasses(),
                summary.categories(), unknown, seconds, parallelism, limits, List.copyOf(badLines), withoutReference);
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
                outcomes, classes, categories, unknown, seconds, parallelism, limits, List.of(), 0);
    }

    /**
     * Reads a samples file: one entry per non-blank line, a sample or "file:line: why it is not one". With
     * {@code strict}, the first line that is not a sample throws {@link SamplesFileException} instead.
     */
    static List<SampleLine> readSamples(Path file, boolean strict) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("samples file not found: " + file.toAbsolutePath().normalize());
        }
        List<SampleLine> lines = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int n = 0;
            boolean more = true;
            while (more) {
                buffer.reset();
                int b;
                while ((b = in.read()) != -1 && b != '\n') buffer.write(b);
                more = b != -1;
                if (!more && buffer.size() == 0) break;
                n++;
                byte[] bytes = buffer.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                String error;
                Sample sample = null;
                try {
                    String text = decode(utf8, bytes, length, n == 1);
                    if (text.isBlank()) continue;
                    sample = parse(text, n, seen);
                    error = null;
                } catch (BadLine e) {
                    error = file + ":" + n + ": " + e.getMessage();
                }
                if (error != null && strict) throw new SamplesFileException(error);
                lines.add(new SampleLine(n, sample, error));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read samples file " + file + ": " + e.getMessage(), e);
        }
        return lines;
    }

    /** Why a samples-file line is not a sample. */
    private static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    private static String decode(CharsetDecoder utf8, byte[] bytes, int length, boolean first) throws BadLine {
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length);
        utf8.reset();
        CoderResult result = utf8.decode(in, out, true);
        if (result.isError()) {
            throw new BadLine(String.format("not UTF-8 (byte 0x%02x at byte %d of the line)",
                    bytes[in.position()] & 0xff, in.position() + 1));
        }
        utf8.flush(out);
        String text = out.flip().toString();
        return first && text.startsWith("\ufeff") ? text.substring(1) : text;   // a byte-order mark
    }

    private static Sample parse(String text, int n, Map<String, Integer> seen) throws BadLine {
        JsonNode row;
        try {
            row = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadLine("not JSON: " + e.getOriginalMessage());
        }
        JsonNode problemId = row == null ? null : row.get("problem_id");
        JsonNode completion = row == null ? null : row.get("completion");
        if (problemId == null || !problemId.isTextual() || completion == null || !completion.isTextual()) {
            throw new BadLine("expected {\"problem_id\": string, \"completion\": string}");
        }
        String id = row.hasNonNull("sample_id") ? row.get("sample_id").asText() : problemId.asText() + "#" + n;
        Integer first = seen.putIfAbsent(id, n);
        if (first != null) throw new BadLine("duplicate sample_id " + id + " (first on line " + first + ")");
        return sample(id, problemId.asText(), completion.asText());
    }

    static Sample sample(String sampleId, String problemId, String completion) {
        return Sample.newBuilder().setRun("offline").setSampleId(sampleId).setProblemId(problemId).setPolicyVersion(0)
                .setCompletion(completion).setPromptTokenIds(List.of()).setTokenIds(List.of()).setTokenStarts(List.of())
                .setTokenEnds(List.of()).setLogProbs(List.of()).setTemperature(0f).setTopP(1f).setSeed(0)
                .setGreedy(false).setFinishReason("eos").setGeneratorId("offline").build();
    }

    static void writeResults(Path out, List<Job> jobs, Map<Job, Feedback> feedback, boolean lines) {
        try {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (Job job : jobs) {
                    ObjectNode row = JSON.createObjectNode();
                    if (lines) row.put("line", job.line()); else row.putNull("line");
                    Feedback f = feedback.get(job);
                    row.setAll(f != null ? toJson(f) : notGraded(job));
                    w.write(JSON.writeValueAsString(row));
                    w.newLine();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + out + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode notGraded(Job job) {
        ObjectNode o = JSON.createObjectNode();
        o.put("sample_id", job.sampleId());
        o.put("problem_id", job.problemId());
        o.put("outcome", job.notGraded());
        o.put("passed", 0);
        o.put("total", 0);
        o.putNull("error_class");
        o.put("error_message", job.message());
        o.putNull("error_line");
        o.put("error_category", ErrorCategory.NONE.name());
        o.putNull("error_span_start");
        o.putNull("error_span_end");
        o.put("grade_time_ms", 0);
        o.putArray("tests");
        return o;
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
