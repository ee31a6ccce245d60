package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.rltf.data.Datasets;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestResult;
import org.rltf.events.TestStatus;

/** How a problem's own time limit and the grader's settings combine, and that a user's setting takes effect. */
class TestTimeLimitsTest {

    private static Problem problem(String dataset, int timeLimitMs, String reference) {
        Problem p = Problems.withTimeLimit(Problems.asserts("t/" + dataset, "", "", "assert f() == 1"), timeLimitMs);
        return Problem.newBuilder(p).setDataset(dataset)
                .setReferenceSolutions(reference == null ? List.of() : List.of(new ReferenceSolution("t#0", reference)))
                .build();
    }

    /** A reference feedback whose one test took {@code ms}. */
    private static Feedback took(Problem p, int ms) {
        return Feedbacks.base(Problems.sample(p, "x"), "g", ms).setOutcome(Outcome.PASS).setPassed(1).setTotal(1)
                .setTests(List.of(TestResult.newBuilder().setIndex(0).setStatus(TestStatus.PASSED).setTimeMs(ms)
                        .setMemoryKb(0).setErrorClass(null).setMessage(null).build()))
                .build();
    }

    @Test
    void aProblemsOwnLimitIsScaledAndTheSettingCoversTheRest() {
        TestTimeLimits limits = new TestTimeLimits(new GraderConfig(Map.of(GraderConfig.TEST_TIMEOUT_MS_CONFIG, 1000,
                GraderConfig.TEST_TIMEOUT_SCALE_CONFIG, 1.5)));
        assertThat(limits.baseMs(problem("mbpp", 0, "x"))).as("no limit of its own: the setting, unscaled").isEqualTo(1000);
        assertThat(limits.baseMs(problem("mbpp", 4000, "x"))).as("its own, x 1.5").isEqualTo(6000);
        assertThat(limits.limitMs(problem("mbpp", 4000, "x"), p -> { throw new AssertionError("not timed"); }))
                .isEqualTo(6000);
        assertThat(limits.describe()).contains("1000 ms (grader.test.timeout.ms)").contains("x 1.5")
                .contains("humanevalplus, mbppplus: at least 4.0 x their reference solution's time")
                .contains("within 30000 ms (grader.program.timeout.ms)");
    }

    @Test
    void evalPlusLimitIsTheLargerOfItsOwnAndFourTimesTheReferencesTime() {
        TestTimeLimits limits = new TestTimeLimits(GraderConfig.defaults());
        AtomicInteger timed = new AtomicInteger();
        Problem fast = problem("humanevalplus", 4000, "fast");
        Problem slow = problem("mbppplus", 4000, "slow");
        // max(4000, 4 x 300) = 4000; max(4000, 4 x 2500) = 10000
        assertThat(limits.limitMs(fast, p -> { timed.incrementAndGet(); return took(p, 300); })).isEqualTo(4000);
        assertThat(limits.limitMs(slow, p -> { timed.incrementAndGet(); return took(p, 2500); })).isEqualTo(10_000);
        assertThat(limits.limitMs(slow, p -> { timed.incrementAndGet(); return took(p, 1); })).as("timed once").isEqualTo(10_000);
        assertThat(timed).hasValue(2);
        assertThat(limits.knownLimitMs(slow)).isEqualTo(10_000);
        // A changed reference (the problem updated on its topic) is timed again.
        Problem changed = problem("mbppplus", 4000, "slower");
        assertThat(limits.knownLimitMs(changed)).isEqualTo(4000);
        assertThat(limits.limitMs(changed, p -> took(p, 5000))).isEqualTo(20_000);
        // 4 x 9000 = 36000, but no test outlasts its program's 30000 ms.
        assertThat(limits.limitMs(problem("mbppplus", 4000, "slowest"), p -> took(p, 9000))).isEqualTo(30_000);
        // No reference: its own limit; not an EvalPlus dataset: never timed.
        assertThat(limits.limitMs(problem("humanevalplus", 4000, null), p -> { throw new AssertionError(); })).isEqualTo(4000);
        assertThat(limits.limitMs(problem("humaneval", 0, "x"), p -> { throw new AssertionError(); })).isEqualTo(4000);
    }

    @Test
    void gradingTheReferenceItselfIsItsTimingRun() {
        TestTimeLimits limits = new TestTimeLimits(new GraderConfig(Map.of(GraderConfig.REFERENCE_FACTOR_CONFIG, 2.0)));
        Problem p = problem("humanevalplus", 1000, "ref");
        assertThat(limits.claimTiming(p, "not the reference")).isNull();
        var claimed = limits.claimTiming(p, "ref");
        assertThat(claimed).isNotNull();
        assertThat(limits.claimTiming(p, "ref")).as("claimed once").isNull();
        limits.record(p, claimed, took(p, 1500));
        assertThat(limits.knownLimitMs(p)).isEqualTo(3000);
        assertThat(limits.limitMs(p, q -> { throw new AssertionError("timed already"); })).isEqualTo(3000);
        // factor 0: no timing at all
        TestTimeLimits off = new TestTimeLimits(new GraderConfig(Map.of(GraderConfig.REFERENCE_FACTOR_CONFIG, 0)));
        assertThat(off.claimTiming(p, "ref")).isNull();
        assertThat(off.limitMs(p, q -> { throw new AssertionError(); })).isEqualTo(1000);
    }

    @Test
    void theUsersTestTimeoutTakesEffectOnDatasetProblems() {
        Problem p = Datasets.load("humaneval").get(0);   // has_close_elements
        // Right answer after 2 s: passes under the default 4 s, times out under the user's 1 s.
        String slow = "    import time\n    time.sleep(2)\n"
                + "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n";
        try (Grader grader = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, 1,
                GraderConfig.TEST_TIMEOUT_MS_CONFIG, 1000)))) {
            Feedback fb = grader.grade(p, Problems.sample(p, slow));
            assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
            assertThat(fb.getErrorClass()).isEqualTo("Timeout");
            assertThat(fb.getTests().get(0).getTimeMs()).isBetween(900, 1900);
        }
    }

    @Test
    void theGraderTimesTheReferenceOfAnEvalPlusProblemBeforeItsFirstProgram() {
        // Own limit 1000 ms; the reference takes about 1.2 s, so the tests get max(1000, 4 x ~1200) ~ 4800 ms.
        Problem p = problem(Datasets.HUMANEVAL_PLUS, 1000, "import time\ndef f():\n    time.sleep(1.2)\n    return 1\n");
        String slower = "import time\ndef f():\n    time.sleep(2)\n    return 1\n";
        try (Grader grader = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, 1)))) {
            assertThat(grader.testLimitMs(p)).as("not timed yet: its own").isEqualTo(1000);
            Feedback fb = grader.grade(p, Problems.sample(p, slower));
            assertThat(fb.getOutcome()).as("2 s is over its own 1 s, within 4 x the reference's time").isEqualTo(Outcome.PASS);
            assertThat(grader.testLimitMs(p)).isBetween(4800L, 8000L);
        }
        // The same without the reference rule: its own 1 s.
        try (Grader grader = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, 1,
                GraderConfig.REFERENCE_FACTOR_CONFIG, 0)))) {
            Feedback fb = grader.grade(p, Problems.sample(p, slower));
            assertThat(fb.getErrorClass()).isEqualTo("Timeout");
            assertThat(grader.testLimitMs(p)).isEqualTo(1000);
        }
    }
}
