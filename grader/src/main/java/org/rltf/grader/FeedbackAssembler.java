package org.rltf.grader;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestResult;
import org.rltf.events.TestStatus;

/**
 * Turns a worker's reply into a {@link Feedback}: the outcome over all tests (RLTF-METHOD.md section
 * 1), the first error, its line in the program and span in the completion, and its fine-grained
 * category from the {@link Taxonomy} (section 2).
 */
final class FeedbackAssembler {
    private final Taxonomy taxonomy;
    private final String graderId;

    FeedbackAssembler(Taxonomy taxonomy, String graderId) {
        this.taxonomy = taxonomy;
        this.graderId = graderId;
    }

    /** Feedback from a worker reply ({@code compile_error}, {@code tests} or {@code sandbox_error}). */
    Feedback fromReply(Problem problem, Sample sample, ProgramText program, int testCount, JsonNode reply, int gradeTimeMs) {
        if (reply.hasNonNull("sandbox_error")) {
            return Feedbacks.sandboxError(sample, testCount, graderId, "SandboxError",
                    reply.path("sandbox_error").asText(), gradeTimeMs);
        }
        List<TestResult> tests = new ArrayList<>(testCount);
        JsonNode replyTests = reply.path("tests");
        for (int i = 0; i < replyTests.size(); i++) {
            JsonNode t = replyTests.get(i);
            tests.add(TestResult.newBuilder()
                    .setIndex(i)
                    .setStatus(TestStatus.valueOf(t.path("status").asText("NOT_RUN")))
                    .setTimeMs(t.path("time_ms").asInt(0))
                    .setMemoryKb(t.path("memory_kb").asLong(0))
                    .setErrorClass(text(t, "error_class"))
                    .setMessage(Feedbacks.truncate(text(t, "message")))
                    .build());
        }
        if (tests.size() != testCount) {
            return Feedbacks.sandboxError(sample, testCount, graderId, "SandboxError",
                    "worker reported " + tests.size() + " results for " + testCount + " tests", gradeTimeMs);
        }
        int passed = (int) tests.stream().filter(t -> t.getStatus() == TestStatus.PASSED).count();
        Feedback.Builder feedback = Feedbacks.base(sample, graderId, gradeTimeMs)
                .setPassed(passed).setTotal(testCount).setTests(tests);

        JsonNode compileError = reply.path("compile_error");
        if (compileError.isObject()) {
            Integer line = compileError.hasNonNull("line") ? program.clamp(compileError.path("line").asInt()) : null;
            return withError(feedback.setOutcome(Outcome.SYNTAX_ERROR), Taxonomy.Stage.COMPILE, program,
                    text(compileError, "class"), text(compileError, "message"), line).build();
        }
        for (int i = 0; i < tests.size(); i++) {
            TestStatus status = tests.get(i).getStatus();
            if (status == TestStatus.ERROR || status == TestStatus.TIMEOUT || status == TestStatus.MEMORY) {
                JsonNode t = replyTests.get(i);
                Integer line = t.hasNonNull("line") ? program.clamp(t.path("line").asInt()) : null;
                return withError(feedback.setOutcome(Outcome.RUNTIME_ERROR), Taxonomy.Stage.RUN, program,
                        tests.get(i).getErrorClass(), tests.get(i).getMessage(), line).build();
            }
        }
        for (TestResult t : tests) {
            if (t.getStatus() != TestStatus.PASSED) {
                // Wrong answers (or tests left unrun): no fine-grained penalty.
                return feedback.setOutcome(Outcome.FAILURE)
                        .setErrorClass(t.getErrorClass() != null ? t.getErrorClass() : "WrongAnswer")
                        .setErrorMessage(t.getMessage())
                        .build();
            }
        }
        return feedback.setOutcome(Outcome.PASS).build();
    }

    private Feedback.Builder withError(Feedback.Builder feedback, Taxonomy.Stage stage, ProgramText program,
                                       String errorClass, String message, Integer line) {
        ErrorCategory category = taxonomy.classify(stage, errorClass, message, line, program.lastNonBlankLine(),
                program.openAtEnd() != ProgramText.OpenAtEnd.NOTHING);
        int[] span = line == null ? null : program.completionSpan(line);
        if (category == ErrorCategory.U_LINE && span == null) {
            // The line lies in the code prefix: no token of the completion to penalise.
            category = ErrorCategory.U_IGNORE;
        }
        return feedback.setErrorClass(errorClass == null ? "Error" : errorClass)
                .setErrorMessage(Feedbacks.truncate(message))
                .setErrorLine(line)
                .setErrorCategory(category)
                .setErrorSpanStart(span == null ? null : span[0])
                .setErrorSpanEnd(span == null ? null : span[1]);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
