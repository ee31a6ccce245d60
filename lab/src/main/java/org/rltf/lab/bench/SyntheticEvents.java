package org.rltf.lab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestResult;
import org.rltf.events.TestStatus;
import org.rltf.events.TestSuite;
import org.rltf.kernel.Seeds;

/**
 * The pipeline benchmark's payloads: what a generator and a grader would publish, at their real sizes, drawn from
 * a seeded RNG. A sample's draw depends only on the seed and its index, and its feedback only on the sample, so two
 * runs with one seed publish the same bytes.
 *
 * <p>A completion is {@code completionTokens} code-like pieces with consistent character offsets, token ids from a
 * Qwen2-sized vocabulary (three varint bytes each, as real ids mostly are) and log-probs; the prompt has
 * {@code promptTokens} ids. Samples come in groups per problem, the first of each the greedy one, as the generator
 * publishes them (so the greedy baseline releases a group without waiting). Feedback is PASS, FAILURE,
 * RUNTIME_ERROR or SYNTAX_ERROR (never SANDBOX_ERROR, which the buffer drops) with per-test results, and for errors
 * the class, message, line and character span the fine-grained reward needs.
 */
final class SyntheticEvents {
    static final String GENERATOR_ID = "bench-generator";
    private static final int VOCABULARY = 151_643;
    private static final String[] PIECES = {"def", " ", "return", "(", ")", ":", "\n", "\n    ", "\n        ", "x", "i",
            " in", " range", "len", "if", " ==", " +", " -", "1", "0", ",", "[", "]", " for", "result", ".append", " =",
            "while", " not", "None", "True", "'", "s", "count", "+=", "elif", "else", "_", "n", "max", "sorted"};
    private static final String[] ERROR_CLASSES = {"NameError", "TypeError", "IndexError", "ValueError", "KeyError",
            "ZeroDivisionError", "AttributeError", "RecursionError"};

    private final long seed;
    private final int completionTokens;
    private final int promptTokens;
    private final int groupSize;
    private final List<Problem> problems;

    SyntheticEvents(long seed, int completionTokens, int promptTokens, int groupSize, int problemCount) {
        this.seed = seed;
        this.completionTokens = completionTokens;
        this.promptTokens = promptTokens;
        this.groupSize = groupSize;
        List<Problem> list = new ArrayList<>(problemCount);
        for (int i = 0; i < problemCount; i++) list.add(problem(i));
        this.problems = List.copyOf(list);
    }

    List<Problem> problems() { return problems; }

    private static Problem problem(int i) {
        String name = "bench_" + i;
        List<String> asserts = new ArrayList<>();
        for (int t = 0; t < 5; t++) asserts.add("assert " + name + "(" + t + ") == " + (t * i + 1));
        return Problem.newBuilder()
                .setRun("")
                .setId("bench/" + i)
                .setDataset("bench")
                .setSplit("train")
                .setPrompt("Write a function " + name + "(n) that returns n * " + i + " + 1.")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(asserts).build())
                .build();
    }

    /** Sample {@code index} of the run, with id {@code <phase>/<index>} (the phase lets the tail attribute it). */
    Sample sample(String run, String phase, long index) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed ^ Seeds.mix(index)));
        boolean greedy = index % groupSize == 0;
        Problem problem = problems.get((int) ((index / groupSize) % problems.size()));
        StringBuilder text = new StringBuilder(completionTokens * 4);
        List<Integer> ids = new ArrayList<>(completionTokens);
        List<Integer> starts = new ArrayList<>(completionTokens);
        List<Integer> ends = new ArrayList<>(completionTokens);
        List<Float> logProbs = new ArrayList<>(completionTokens);
        for (int t = 0; t < completionTokens; t++) {
            String piece = PIECES[rng.nextInt(PIECES.length)];
            starts.add(text.length());
            text.append(piece);
            ends.add(text.length());
            ids.add(rng.nextInt(VOCABULARY));
            double u = rng.nextDouble();
            logProbs.add((float) -(greedy ? u * u * 0.5 : u * u * 4.0));
        }
        List<Integer> prompt = new ArrayList<>(promptTokens);
        for (int t = 0; t < promptTokens; t++) prompt.add(rng.nextInt(VOCABULARY));
        return Sample.newBuilder()
                .setRun(run)
                .setSampleId(phase + "/" + index)
                .setProblemId(problem.getId())
                .setPolicyVersion(0)
                .setCompletion(text.toString())
                .setPromptTokenIds(prompt)
                .setTokenIds(ids)
                .setTokenStarts(starts)
                .setTokenEnds(ends)
                .setLogProbs(logProbs)
                .setTemperature(greedy ? 0f : 1f)
                .setTopP(greedy ? 1f : 0.95f)
                .setSeed(Seeds.mix(index) & Seeds.MAX_RECORDED)
                .setGreedy(greedy)
                .setFinishReason("length")
                .setGeneratorId(GENERATOR_ID)
                .build();
    }

    /** The verdict on {@code sample}: 30% PASS, 35% FAILURE, 25% RUNTIME_ERROR, 10% SYNTAX_ERROR. */
    static Feedback feedback(Problem problem, Sample sample, String graderId) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(sample.getSeed() ^ 0x5eedL));
        int total = Math.max(1, problem.getTests().getAsserts().size());
        double u = rng.nextDouble();
        Outcome outcome = u < 0.30 ? Outcome.PASS : u < 0.65 ? Outcome.FAILURE : u < 0.90 ? Outcome.RUNTIME_ERROR
                : Outcome.SYNTAX_ERROR;
        int passed = switch (outcome) {
            case PASS -> total;
            case FAILURE -> rng.nextInt(total);
            default -> 0;
        };
        Feedback.Builder b = Feedback.newBuilder()
                .setRun("")
                .setSampleId(sample.getSampleId())
                .setProblemId(sample.getProblemId())
                .setPolicyVersion(sample.getPolicyVersion())
                .setOutcome(outcome)
                .setPassed(passed)
                .setTotal(total)
                .setErrorCategory(ErrorCategory.NONE)
                .setGraderId(graderId)
                .setGradeTimeMs(20 + rng.nextInt(400));
        String errorClass = outcome == Outcome.SYNTAX_ERROR ? "SyntaxError"
                : ERROR_CLASSES[rng.nextInt(ERROR_CLASSES.length)];
        List<TestResult> tests = new ArrayList<>(total);
        for (int t = 0; t < total; t++) {
            TestStatus status = t < passed ? TestStatus.PASSED : switch (outcome) {
                case FAILURE -> TestStatus.WRONG_ANSWER;
                case RUNTIME_ERROR, SYNTAX_ERROR -> TestStatus.ERROR;
                default -> TestStatus.PASSED;
            };
            TestResult.Builder r = TestResult.newBuilder().setIndex(t).setStatus(status).setTimeMs(1 + rng.nextInt(40))
                    .setMemoryKb(9_000 + rng.nextInt(4_000));
            if (status == TestStatus.WRONG_ANSWER) r.setMessage("expected " + rng.nextInt(1000) + ", got " + rng.nextInt(1000));
            if (status == TestStatus.ERROR) r.setErrorClass(errorClass).setMessage(errorClass + ": synthetic failure in line "
                    + (1 + rng.nextInt(20)));
            tests.add(r.build());
        }
        b.setTests(tests);
        if (outcome == Outcome.RUNTIME_ERROR || outcome == Outcome.SYNTAX_ERROR) {
            String completion = sample.getCompletion();
            int[] line = randomLine(completion, rng);
            double c = rng.nextDouble();
            ErrorCategory category = c < 0.8 ? ErrorCategory.U_LINE : c < 0.9 ? ErrorCategory.U_GLOBAL : ErrorCategory.U_IGNORE;
            b.setErrorClass(errorClass)
                    .setErrorMessage(errorClass + ": name 'y' is not defined (synthetic)")
                    .setErrorLine(line[0])
                    .setErrorCategory(category)
                    .setErrorSpanStart(line[1])
                    .setErrorSpanEnd(line[2]);
        }
        return b.build();
    }

    /** {line number (1-based), start char, end char} of a random line of {@code text}. */
    private static int[] randomLine(String text, SplittableRandom rng) {
        int lines = 1;
        for (int i = 0; i < text.length(); i++) if (text.charAt(i) == '\n') lines++;
        int target = rng.nextInt(lines);
        int start = 0;
        for (int l = 0; l < target; l++) start = text.indexOf('\n', start) + 1;
        int end = text.indexOf('\n', start);
        return new int[] {target + 1, start, end < 0 ? text.length() : end};
    }
}
