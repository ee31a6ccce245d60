package org.rltf.learner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.rltf.events.Experience;
import org.rltf.events.Outcome;

/**
 * Self-imitation of passing programs on problems without a reference ({@value LearnerConfig#RL_SUCCESS_SHARE_CONFIG}),
 * after Oh et al., "Self-Imitation Learning" (2018): a program whose advantage is positive is imitated again later,
 * not only in the one step the window's uniform draw happens to pick it.
 *
 * <p>Why: on a problem with tests but no reference, a passing program is the only correct solution the learner ever
 * sees, and a small model finds one rarely. The buffer's window keeps an experience for about
 * {@code capacity / samples per step} steps and each step draws {@code rl.batch / capacity} of it, so a pass is
 * trained on less than once on average; the pool keeps it for the rest of the run. Where a problem has a reference,
 * the supervised term already imitates a correct program, so those passes are not kept.
 *
 * <p>The pool holds, per problem, the newest {@code perProblem} distinct passing programs (distinct token ids) with a
 * positive sequence advantage, as the buffer computed it (a pass in a group that all passed has none: nothing left to
 * learn there). A draw picks problems uniformly without replacement, then one program of each, so easy problems with
 * many passes do not crowd out hard ones. The drawn experiences join the step's RL batch with their recorded weights;
 * they are off-policy by design (their policy lag is in the LearnerStep's mean), and replay reproduces the step from
 * the sample ids it records, like any other draw.
 *
 * <p>Deterministic for the same offers: problems are kept in id order. Not thread-safe: the learner's thread uses it.
 */
final class SuccessReplay {
    private final int perProblem;
    private final Map<String, List<Experience>> byProblem = new TreeMap<>();
    private int size;

    SuccessReplay(int perProblem) {
        if (perProblem < 1) throw new IllegalArgumentException("perProblem must be >= 1, was " + perProblem);
        this.perProblem = perProblem;
    }

    /**
     * Keeps the passing programs of {@code experiences} with a positive advantage whose problem has no reference
     * ({@code hasReference} false), each program once; returns how many were new.
     */
    int offer(List<Experience> experiences, Predicate<String> hasReference) {
        int added = 0;
        for (Experience e : experiences) {
            if (e.getGreedy() || e.getOutcome() != Outcome.PASS || !(e.getSequenceAdvantage() > 0)) continue;
            if (hasReference.test(e.getProblemId())) continue;
            List<Experience> kept = byProblem.computeIfAbsent(e.getProblemId(), k -> new ArrayList<>());
            if (kept.stream().anyMatch(k -> sameProgram(k, e))) continue;
            kept.add(e);
            added++;
            size++;
            if (kept.size() > perProblem) {
                kept.remove(0); // the oldest offered
                size--;
            }
        }
        return added;
    }

    /** {@code n} experiences of distinct problems (all problems' when fewer), drawn with {@code rng}. */
    List<Experience> draw(int n, SplittableRandom rng) {
        if (n <= 0 || byProblem.isEmpty()) return List.of();
        List<List<Experience>> problems = BatchSampler.draw(new ArrayList<>(byProblem.values()), n, rng);
        List<Experience> out = new ArrayList<>(problems.size());
        for (List<Experience> programs : problems) out.add(programs.get(rng.nextInt(programs.size())));
        return out;
    }

    /** Programs kept. */
    int size() { return size; }

    /** Problems with at least one program kept. */
    int problems() { return byProblem.size(); }

    private static boolean sameProgram(Experience a, Experience b) {
        return a.getSampleId().equals(b.getSampleId()) || a.getTokenIds().equals(b.getTokenIds());
    }

    @Override
    public String toString() {
        return "SuccessReplay[" + size + " programs of " + byProblem.size() + " problems, at most " + perProblem
                + " each]";
    }
}
