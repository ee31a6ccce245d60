package org.rltf.grader;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.TestResult;
import org.rltf.events.TestStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one home of the rule that decides how long a test of a problem may run (the settings are
 * {@link GraderConfig}'s):
 * <pre>
 *   base  = time_limit_ms x grader.test.timeout.scale    if the problem sets a limit of its own (time_limit_ms &gt; 0)
 *           grader.test.timeout.ms                       otherwise
 *   limit = max(base, min(factor x reference time, program limit))   for datasets in grader.test.timeout.reference.datasets
 *           base                                         otherwise
 * </pre>
 * and every test of a program stops at grader.program.timeout.ms, counted from the program's first test.
 *
 * <p>The reference-time rule is EvalPlus's (T = max(T_base, k x T_gt), k = 4, T_base = 4 s, docs/execution.md of
 * evalplus/evalplus). EvalPlus times the ground truth per input; here a test is what the dataset's test code runs at
 * once (for HumanEval+ and MBPP+ in their original format: every input of the problem), so the reference is timed
 * on the same test, in this grader's sandbox, once per problem, and the time is that of its slowest test. The data
 * carries no runtime of its own, and a runtime measured on another machine would not fit this one anyway.
 */
final class TestTimeLimits {
    private static final Logger log = LoggerFactory.getLogger(TestTimeLimits.class);

    /** The time limit of a problem's tests and where it came from, for logs and summaries. */
    record Timing(String referenceCode, long referenceMs, long limitMs) {}

    private final int defaultMs;
    private final double scale;
    private final double referenceFactor;
    private final Set<String> referenceTimed;
    private final int programMs;
    /** Keyed by problem id; a changed reference solution (a problem updated on its topic) is timed again. */
    private final ConcurrentHashMap<String, CompletableFuture<Timing>> timings = new ConcurrentHashMap<>();

    TestTimeLimits(GraderConfig config) {
        this.defaultMs = config.testTimeoutMs();
        this.scale = config.testTimeoutScale();
        this.referenceFactor = config.referenceFactor();
        this.referenceTimed = Set.copyOf(config.referenceTimedDatasets());
        this.programMs = config.programTimeoutMs();
    }

    /** The limit before any reference time: a problem's own, scaled, or the grader's setting. */
    long baseMs(Problem p) {
        if (p.getTimeLimitMs() <= 0) return defaultMs;
        return Math.max(1, Math.round(p.getTimeLimitMs() * scale));
    }

    /** Whether {@code p}'s limit waits for its reference solution to be timed. */
    boolean timesReference(Problem p) {
        return referenceFactor > 0 && referenceTimed.contains(p.getDataset()) && !p.getReferenceSolutions().isEmpty();
    }

    /** The limit a timing run of a reference gets: the program's, since the reference's own time is not known yet. */
    long timingRunMs() {
        return programMs;
    }

    /**
     * The limit of {@code p}'s tests, timing its reference first with {@code timeReference} if the rule asks for it
     * and no one has. Callers for the same problem wait for the one timing run.
     */
    long limitMs(Problem p, Function<Problem, Feedback> timeReference) {
        if (!timesReference(p)) return baseMs(p);
        CompletableFuture<Timing> mine = new CompletableFuture<>();
        CompletableFuture<Timing> known = entry(p, mine);
        if (known == mine) {
            Feedback reference = null;
            try {
                reference = timeReference.apply(p);
            } finally {
                record(p, mine, reference);
            }
        }
        return known.join().limitMs();
    }

    /**
     * Claims {@code p}'s timing for a grading of its reference solution itself, which then is the timing run (at
     * {@link #timingRunMs()}): a reference graded with {@code --reference} runs once, not twice. Null when the
     * problem needs no timing, is timed already or is being timed.
     */
    CompletableFuture<Timing> claimTiming(Problem p, String completion) {
        if (!timesReference(p) || !reference(p).equals(completion)) return null;
        CompletableFuture<Timing> mine = new CompletableFuture<>();
        return entry(p, mine) == mine ? mine : null;
    }

    /** Completes a claimed timing with the reference's feedback (null: the run failed to return one). */
    void record(Problem p, CompletableFuture<Timing> claimed, Feedback reference) {
        if (reference == null) {
            claimed.complete(new Timing(reference(p), 0, baseMs(p)));
            return;
        }
        long referenceMs = slowestTestMs(reference);
        // Above the program's limit a test's limit says nothing: the program stops there first.
        long limit = Math.max(baseMs(p), Math.min(programMs, Math.round(referenceFactor * referenceMs)));
        if (reference.getOutcome() != Outcome.PASS) {
            log.warn("The reference solution of {} did not pass when timed ({} {}: {}); its tests get {} ms", p.getId(),
                    reference.getOutcome(), reference.getErrorClass(), reference.getErrorMessage(), limit);
        } else {
            log.debug("Timed the reference solution of {}: {} ms; its tests get {} ms", p.getId(), referenceMs, limit);
        }
        claimed.complete(new Timing(reference(p), referenceMs, limit));
    }

    /**
     * The limit {@code p}'s tests get as far as known now, without timing anything: after grading, the limit that
     * was used.
     */
    long knownLimitMs(Problem p) {
        if (!timesReference(p)) return baseMs(p);
        CompletableFuture<Timing> t = timings.get(p.getId());
        return t != null && t.isDone() && t.join().referenceCode().equals(reference(p)) ? t.join().limitMs() : baseMs(p);
    }

    /** The rule as one line for the start-up log. */
    String describe() {
        StringBuilder s = new StringBuilder();
        s.append(defaultMs).append(" ms (").append(GraderConfig.TEST_TIMEOUT_MS_CONFIG).append(") per test of a problem ")
                .append("without a limit of its own; a problem's own time_limit_ms x ").append(scale)
                .append(" (").append(GraderConfig.TEST_TIMEOUT_SCALE_CONFIG).append(')');
        if (referenceFactor > 0 && !referenceTimed.isEmpty()) {
            s.append("; ").append(String.join(", ", referenceTimed.stream().sorted().toList())).append(": at least ")
                    .append(referenceFactor).append(" x their reference solution's time, timed here");
        }
        s.append("; all tests of a program within ").append(programMs).append(" ms (")
                .append(GraderConfig.PROGRAM_TIMEOUT_MS_CONFIG).append(')');
        return s.toString();
    }

    /** {@code p}'s timing: the one there is for its current reference solution, else {@code mine}, put in its place. */
    private CompletableFuture<Timing> entry(Problem p, CompletableFuture<Timing> mine) {
        String reference = reference(p);
        return timings.compute(p.getId(), (id, old) ->
                old == null || (old.isDone() && !old.join().referenceCode().equals(reference)) ? mine : old);
    }

    private static String reference(Problem p) {
        return p.getReferenceSolutions().get(0).getCode();
    }

    /** The time of the reference's slowest test that ran (a SANDBOX_ERROR has none: 0, so the base limit stands). */
    private static long slowestTestMs(Feedback f) {
        List<TestResult> tests = f.getTests();
        long slowest = 0;
        for (TestResult t : tests) {
            if (t.getStatus() != TestStatus.NOT_RUN) slowest = Math.max(slowest, t.getTimeMs());
        }
        return slowest;
    }

    @Override
    public String toString() {
        return "TestTimeLimits(" + describe() + ")";
    }
}
