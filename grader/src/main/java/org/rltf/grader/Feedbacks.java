package org.rltf.grader;

import java.util.List;

import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;

/**
 * The one place a Feedback's common parts are made: its fields from the sample, a problem's test count, the
 * SANDBOX_ERROR verdict and the cut of long messages. The grader core ({@link FeedbackAssembler}, {@link Grader})
 * and the Kafka service both build through it, so a grader failure reads the same whichever of them noticed it.
 */
public final class Feedbacks {
    /**
     * Longest message the grader publishes, "..." included. Feedback is kept with no time limit, and a program's
     * first error fits in a few lines: a runaway traceback or echoed input beyond that is noise.
     */
    public static final int MESSAGE_CHARS = 500;

    private Feedbacks() {
    }

    /** The number of unit tests of {@code problem}: its asserts, or its stdin/stdout (or call) inputs. */
    public static int testCount(Problem problem) {
        TestSuite suite = problem.getTests();
        return suite.getKind() == TestKind.ASSERT ? suite.getAsserts().size() : suite.getInputs().size();
    }

    /** {@code s} cut to {@link #MESSAGE_CHARS}; null stays null. */
    public static String truncate(String s) {
        if (s == null) return null;
        return s.length() <= MESSAGE_CHARS ? s : s.substring(0, MESSAGE_CHARS - 3) + "...";
    }

    /**
     * The grader's own failure, not the program's: no test results, nothing passed, never a reward (streams leaves
     * SANDBOX_ERROR out; the service grades it again first).
     */
    public static Feedback sandboxError(Sample sample, int testCount, String graderId, String errorClass,
                                        String message, int gradeTimeMs) {
        return base(sample, graderId, gradeTimeMs)
                .setOutcome(Outcome.SANDBOX_ERROR)
                .setPassed(0)
                .setTotal(testCount)
                .setTests(List.of())
                .setErrorClass(errorClass)
                .setErrorMessage(truncate(message))
                .build();
    }

    /** A SANDBOX_ERROR for a grading that threw {@code cause} instead of answering. */
    public static Feedback sandboxError(Problem problem, Sample sample, String graderId, Throwable cause) {
        return sandboxError(sample, testCount(problem), graderId, cause.getClass().getSimpleName(),
                String.valueOf(cause.getMessage()), 0);
    }

    /** The fields every Feedback takes from its sample and grader, with no error yet; outcome and tests to set. */
    static Feedback.Builder base(Sample sample, String graderId, int gradeTimeMs) {
        return Feedback.newBuilder()
                .setRun(sample.getRun())
                .setSampleId(sample.getSampleId())
                .setProblemId(sample.getProblemId())
                .setPolicyVersion(sample.getPolicyVersion())
                .setErrorClass(null)
                .setErrorMessage(null)
                .setErrorLine(null)
                .setErrorCategory(ErrorCategory.NONE)
                .setErrorSpanStart(null)
                .setErrorSpanEnd(null)
                .setGraderId(graderId)
                .setGradeTimeMs(gradeTimeMs);
    }
}
