package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;

class FeedbacksTest {

    @Test
    void testCountIsTheAssertsOrTheInputs() {
        assertThat(Feedbacks.testCount(Problems.asserts("t/a", "", "", "assert 1", "assert 2", "assert 3"))).isEqualTo(3);
        assertThat(Feedbacks.testCount(Problems.stdio("t/s", List.of("1", "2"), List.of("1", "2")))).isEqualTo(2);
        assertThat(Feedbacks.testCount(Problems.call("t/c", "f", List.of("[1]"), List.of("1")))).isEqualTo(1);
    }

    @Test
    void messagesAreCutToTheLimitDotsIncluded() {
        assertThat(Feedbacks.truncate(null)).isNull();
        String limit = "x".repeat(Feedbacks.MESSAGE_CHARS);
        assertThat(Feedbacks.truncate(limit)).isSameAs(limit);
        String cut = Feedbacks.truncate(limit + "y");
        assertThat(cut).hasSize(Feedbacks.MESSAGE_CHARS).endsWith("...").startsWith("x".repeat(Feedbacks.MESSAGE_CHARS - 3));
    }

    @Test
    void aGraderThatThrewIsASandboxErrorOverAllTests() {
        Problem problem = Problems.asserts("t/two", "", "", "assert f() == 1", "assert f() == 2");
        Sample sample = Problems.sample(problem, "def f():\n    return 1\n");
        Feedback f = Feedbacks.sandboxError(problem, sample, "grader-9",
                new IllegalStateException("boom " + "z".repeat(2000)));
        assertThat(f.getOutcome()).isEqualTo(Outcome.SANDBOX_ERROR);
        assertThat(f.getPassed()).isZero();
        assertThat(f.getTotal()).isEqualTo(2);
        assertThat(f.getTests()).isEmpty();
        assertThat(f.getErrorClass()).isEqualTo("IllegalStateException");
        assertThat(f.getErrorMessage()).startsWith("boom ").hasSize(Feedbacks.MESSAGE_CHARS);
        assertThat(f.getErrorCategory()).isEqualTo(ErrorCategory.NONE);
        assertThat(f.getErrorLine()).isNull();
        assertThat(f.getGraderId()).isEqualTo("grader-9");
        assertThat(f.getGradeTimeMs()).isZero();
        assertThat(f.getSampleId()).isEqualTo(sample.getSampleId());
        assertThat(f.getProblemId()).isEqualTo("t/two");
        assertThat(f.getPolicyVersion()).isEqualTo(7);
        assertThat(f.getRun()).isEqualTo(sample.getRun());
    }
}
