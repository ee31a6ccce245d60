package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rltf.data.Datasets;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.TestKind;

/**
 * The benchmarks' own reference solutions pass, as they do under the public reference harnesses
 * (shared/data/README.md): the grader's test semantics are those of HumanEval, MBPP and APPS.
 */
class ReferenceSolutionsTest {
    private static Grader grader;

    @BeforeAll
    static void start() {
        grader = Grader.start(new GraderConfig(Map.of()));
    }

    @AfterAll
    static void stop() {
        if (grader != null) grader.close();
    }

    /** Grades reference solution {@code index} of every problem that has one; returns the failures. */
    private static List<String> failures(List<Problem> problems, int index) {
        List<CompletableFuture<Feedback>> futures = new ArrayList<>();
        List<Problem> graded = new ArrayList<>();
        for (Problem p : problems) {
            if (p.getReferenceSolutions().size() <= index) continue;
            graded.add(p);
            futures.add(grader.gradeAsync(p, Problems.sample(p, p.getReferenceSolutions().get(index).getCode())));
        }
        assertThat(graded).isNotEmpty();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            Feedback fb = futures.get(i).join();
            if (fb.getOutcome() != Outcome.PASS) {
                failed.add(graded.get(i).getId() + " " + fb.getOutcome() + " " + fb.getErrorClass() + ": " + fb.getErrorMessage());
            }
        }
        return failed;
    }

    @Test
    void humanEvalAllPass() {
        List<Problem> problems = Datasets.load("humaneval");
        assertThat(problems).hasSize(164);
        assertThat(failures(problems, 0)).isEmpty();
    }

    @Test
    void mbppAllButAtMostOnePass() {
        List<Problem> problems = Datasets.load("mbpp");
        assertThat(problems).hasSize(974);
        List<String> failed = failures(problems, 0);
        // task 123 takes about 2 s and can time out under load (shared/data/README.md).
        assertThat(failed).as("failures: %s", failed).hasSizeLessThanOrEqualTo(1);
        assertThat(failed).allMatch(f -> f.startsWith("mbpp/123 "));
    }

    @Test
    void evalPlusReferenceSolutionsPassInTheOriginalFormat() {
        // A quick sample of each; the full runs (rltf grade --dataset humanevalplus|mbppplus --reference) take minutes.
        assertThat(failures(Datasets.load("humanevalplus").subList(0, 15), 0)).isEmpty();
        assertThat(failures(Datasets.load("mbppplus").subList(0, 15), 0)).isEmpty();
        // The one HumanEval+ problem whose original-format test is broken in the data: it calls
        // _poly(*candidate(*inp), inp), unpacking the float find_zero returns, so every program fails it.
        Problem broken = Datasets.load("humanevalplus").stream().filter(p -> p.getId().equals("humanevalplus/HumanEval/32"))
                .findFirst().orElseThrow();
        assertThat(failures(List.of(broken), 0)).singleElement().asString()
                .contains("RUNTIME_ERROR TypeError: Value after * must be an iterable, not float");
    }

    @Test
    void appsFirstThreeSolutionsPass() {
        List<Problem> problems = Datasets.load("apps:apps/coderl_train5");
        assertThat(problems).hasSize(5);
        assertThat(problems).extracting(p -> p.getTests().getKind())
                .contains(TestKind.STDIO, TestKind.CALL_BASED);
        for (int i = 0; i < 3; i++) {
            assertThat(failures(problems, i)).as("solution %d", i).isEmpty();
        }
    }
}
