package org.rltf.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.rltf.events.Evaluation;
import org.rltf.events.Outcome;

class PassAtKTest {

    @Test void handComputedValues() {
        assertThat(PassAtK.estimate(10, 3, 1)).isCloseTo(0.3, within(1e-12));              // c / n
        // 1 - C(7,5)/C(10,5) = 1 - 21/252
        assertThat(PassAtK.estimate(10, 3, 5)).isCloseTo(1 - 21.0 / 252, within(1e-12));
        // 1 - C(18,2)/C(20,2) = 1 - 153/190
        assertThat(PassAtK.estimate(20, 2, 2)).isCloseTo(1 - 153.0 / 190, within(1e-12));
    }

    @Test void edgeCases() {
        assertThat(PassAtK.estimate(10, 0, 1)).isZero();        // c = 0
        assertThat(PassAtK.estimate(10, 0, 10)).isZero();       // c = 0, n = k
        assertThat(PassAtK.estimate(5, 1, 5)).isEqualTo(1.0);   // n = k: one pass among all drawn
        assertThat(PassAtK.estimate(5, 5, 1)).isEqualTo(1.0);   // c = n
        assertThat(PassAtK.estimate(1, 1, 1)).isEqualTo(1.0);
        // Stable where C(200, 100) ~ 9e58 would overflow: 1 - C(190,100)/C(200,100) is within 1e-3 of 1.
        assertThat(PassAtK.estimate(200, 10, 100)).isBetween(0.999, 1.0);
        assertThatThrownBy(() -> PassAtK.estimate(5, 6, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PassAtK.estimate(5, 1, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PassAtK.estimate(5, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test void reportAveragesOverProblemsPerDifficulty() {
        EvalSettings s = new EvalSettings(2, List.of(1, 2), 0.6f, 0.95f, 64, List.of(), 7, 8);
        // a (difficulty 1): 1 of 2 pass, greedy passes; b (difficulty 2): 0 of 2, greedy fails.
        List<EvalReport.ProgramResult> programs = List.of(
                r("a", "1", -1, Outcome.PASS, null), r("a", "1", 0, Outcome.PASS, null),
                r("a", "1", 1, Outcome.FAILURE, null),
                r("b", "2", -1, Outcome.SYNTAX_ERROR, "SyntaxError"), r("b", "2", 0, Outcome.RUNTIME_ERROR, "IndexError"),
                r("b", "2", 1, Outcome.SYNTAX_ERROR, "SyntaxError"));
        EvalReport report = new EvalReport("builtin", "test", s, programs, 1.0);
        assertThat(report.problems()).isEqualTo(2);
        assertThat(report.passAtK(1)).isCloseTo((0.5 + 0) / 2, within(1e-12));
        assertThat(report.passAtK(2)).isCloseTo((1.0 + 0) / 2, within(1e-12));
        assertThat(report.passAtK().get("1").get(1)).isCloseTo(0.5, within(1e-12));
        assertThat(report.passAtK().get("2").get(2)).isZero();
        assertThat(report.greedyPassAt1()).isEqualTo(0.5);
        assertThat(report.passAtKByTag("region", 1)).containsEntry("A", 0.5).containsEntry("B", 0.0);
        assertThat(report.outcomeShares()).containsEntry(Outcome.PASS, 0.25).containsEntry(Outcome.SYNTAX_ERROR, 0.25)
                .containsEntry(Outcome.FAILURE, 0.25).containsEntry(Outcome.RUNTIME_ERROR, 0.25);
        assertThat(report.errorClassShares()).containsEntry("IndexError", 0.25).containsEntry("SyntaxError", 0.25);

        Evaluation e = report.toEvaluation("r", 3, 30);
        assertThat(e.getPolicyVersion()).isEqualTo(3);
        assertThat(e.getResults()).hasSize(6); // (all, 1, 2) x (k=1, k=2)
        assertThat(e.getResults().get(0).getDifficulty()).isEqualTo("all");
        assertThat(e.getGreedyPassAt1()).isEqualTo(0.5);
    }

    private static EvalReport.ProgramResult r(String id, String difficulty, int index, Outcome o, String errorClass) {
        return new EvalReport.ProgramResult(id, difficulty, index, "", o, o == Outcome.PASS ? 3 : 0, 3, errorClass, null,
                java.util.Map.of("region", difficulty.equals("1") ? "A" : "B"));
    }
}
