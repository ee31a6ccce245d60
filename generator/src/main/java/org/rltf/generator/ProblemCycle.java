package org.rltf.generator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.rltf.events.Problem;

/**
 * Which problems a generator round samples: a round-robin cycle over the run's training problems, in id order, in
 * which each problem without references appears {@code generator.tests.only.weight} times (once in id order with the
 * others, then weight - 1 more times), because only RL can learn from those.
 *
 * <p>A round takes the next {@code batch} distinct problems of the cycle (a sample id names its problem once per
 * round); the position moves on only when the round is published ({@link #advance}), so a round an outage aborted is
 * drawn again as it was.
 */
final class ProblemCycle {
    private final int batch;
    private final int testsOnlyWeight;
    private long cursor;
    private int consumed; // cycle positions the last chunk took

    ProblemCycle(int batch, int testsOnlyWeight) {
        this.batch = batch;
        this.testsOnlyWeight = testsOnlyWeight;
    }

    /** The next round's problems out of {@code all} (id order): fewer than the batch only when the run has fewer. */
    List<Problem> next(List<Problem> all) {
        List<Problem> cycle = new ArrayList<>(all);
        if (testsOnlyWeight > 1) {
            List<Problem> testsOnly = all.stream().filter(p -> p.getReferenceSolutions().isEmpty()).toList();
            for (int i = 1; i < testsOnlyWeight; i++) cycle.addAll(testsOnly);
        }
        int size = Math.min(batch, all.size());
        Map<String, Problem> chunk = new LinkedHashMap<>();
        consumed = 0;
        while (chunk.size() < size && consumed < cycle.size()) {
            Problem p = cycle.get((int) ((cursor + consumed) % cycle.size()));
            chunk.putIfAbsent(p.getId(), p);
            consumed++;
        }
        return new ArrayList<>(chunk.values());
    }

    /** The round {@link #next} returned was published: the following one starts after it. */
    void advance() {
        cursor += consumed;
    }
}
