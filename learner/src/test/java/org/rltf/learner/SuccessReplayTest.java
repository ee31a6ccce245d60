package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.rltf.events.Experience;
import org.rltf.events.Outcome;

class SuccessReplayTest {

    /** A sample of {@code problem} with {@code outcome}, advantage {@code a} and a program of the token {@code program}. */
    private static Experience sample(String id, String problem, Outcome outcome, float a, int program) {
        return Experience.newBuilder(RltfLossTest.failure()).setSampleId(id).setProblemId(problem).setOutcome(outcome)
                .setSequenceAdvantage(a).setTokenIds(List.of(program, program)).build();
    }

    @Test
    void keepsPassesWithAPositiveAdvantageOnProblemsWithoutAReferenceOnly() {
        SuccessReplay pool = new SuccessReplay(4);
        Experience greedyPass = Experience.newBuilder(sample("g", "p1", Outcome.PASS, 1f, 9)).setGreedy(true).build();
        int added = pool.offer(List.of(
                sample("a", "p1", Outcome.PASS, 1.2f, 1),
                sample("b", "p1", Outcome.FAILURE, 0.4f, 2),      // partial credit above the mean: not a pass
                sample("c", "p2", Outcome.PASS, 0f, 3),           // every sample of its group passed
                sample("d", "ref", Outcome.PASS, 1.5f, 4),        // the supervised term has this problem's reference
                greedyPass), id -> id.equals("ref"));
        assertThat(added).isEqualTo(1);
        assertThat(pool.size()).isEqualTo(1);
        assertThat(pool.problems()).isEqualTo(1);
        assertThat(pool.draw(8, new SplittableRandom(1))).extracting(Experience::getSampleId).containsExactly("a");
    }

    @Test
    void keepsEachProgramOnceAndTheNewestPerProblem() {
        SuccessReplay pool = new SuccessReplay(2);
        pool.offer(List.of(sample("a", "p", Outcome.PASS, 1f, 1), sample("b", "p", Outcome.PASS, 1f, 2)), id -> false);
        // a again (the next snapshot holds it too) and c, the same program as b: nothing new.
        assertThat(pool.offer(List.of(sample("a", "p", Outcome.PASS, 1f, 1), sample("c", "p", Outcome.PASS, 1f, 2)),
                id -> false)).isZero();
        assertThat(pool.offer(List.of(sample("d", "p", Outcome.PASS, 1f, 3)), id -> false)).isEqualTo(1);
        assertThat(pool.size()).isEqualTo(2);
        List<String> drawn = new ArrayList<>();
        for (int seed = 0; seed < 50; seed++)
            drawn.add(pool.draw(1, new SplittableRandom(seed)).get(0).getSampleId());
        assertThat(drawn).containsOnly("b", "d").contains("b", "d"); // a, the oldest, went
    }

    @Test
    void drawsDistinctProblemsDeterministically() {
        SuccessReplay pool = new SuccessReplay(4);
        List<Experience> offered = new ArrayList<>();
        for (int p = 0; p < 10; p++)
            for (int k = 0; k < 3; k++) offered.add(sample("s" + p + "-" + k, "p" + p, Outcome.PASS, 1f, 10 * p + k));
        pool.offer(offered, id -> false);
        List<Experience> a = pool.draw(4, new SplittableRandom(7));
        assertThat(a).hasSize(4).extracting(Experience::getProblemId).doesNotHaveDuplicates();
        assertThat(pool.draw(4, new SplittableRandom(7))).isEqualTo(a);
        assertThat(pool.draw(20, new SplittableRandom(7))).hasSize(10);
        assertThat(new SuccessReplay(1).draw(3, new SplittableRandom(7))).isEmpty();
    }
}
