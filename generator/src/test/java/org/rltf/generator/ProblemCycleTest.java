package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;

class ProblemCycleTest {
    private static final List<Problem> ALL = List.of(problem("a", true), problem("b", false), problem("c", true),
            problem("d", false));

    @Test
    void everyProblemInIdOrderThenTheTestsOnlyOnesAgain() {
        ProblemCycle cycle = new ProblemCycle(2, 3);
        StringBuilder drawn = new StringBuilder();
        for (int round = 0; round < 4; round++) {
            for (Problem p : cycle.next(ALL)) drawn.append(p.getId());
            drawn.append('|');
            cycle.advance();
        }
        // cycle a b c d | b d | b d: tests-only problems three times per pass, distinct within a round
        assertThat(drawn.toString()).isEqualTo("ab|cd|bd|bd|");
    }

    @Test
    void aRoundThatWasNotPublishedIsDrawnAgainAsItWas() {
        ProblemCycle cycle = new ProblemCycle(3, 1);
        assertThat(cycle.next(ALL)).extracting(Problem::getId).containsExactly("a", "b", "c");
        assertThat(cycle.next(ALL)).extracting(Problem::getId).containsExactly("a", "b", "c");
        cycle.advance();
        assertThat(cycle.next(ALL)).extracting(Problem::getId).containsExactly("d", "a", "b");
    }

    @Test
    void aRoundNeverNamesAProblemTwice() {
        ProblemCycle cycle = new ProblemCycle(4, 5); // a b c d, then b d four more times
        assertThat(cycle.next(ALL)).extracting(Problem::getId).containsExactly("a", "b", "c", "d");
        cycle.advance();
        // b d b d ... holds two distinct problems; the round reads on, past the cycle's end, for two more
        assertThat(cycle.next(ALL)).extracting(Problem::getId).containsExactly("b", "d", "a", "c");
    }

    private static Problem problem(String id, boolean referenced) {
        return Problem.newBuilder().setRun("").setId(id).setDataset("t").setSplit("train").setPrompt("def f():\n")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of("assert f() is None"))
                        .build())
                .setReferenceSolutions(referenced ? List.of(new ReferenceSolution(id + "#0", "    return None\n"))
                        : List.of())
                .build();
    }
}
