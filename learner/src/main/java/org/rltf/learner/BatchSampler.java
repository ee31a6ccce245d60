package org.rltf.learner;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.rltf.kernel.Seeds;

/**
 * The learner's seeded draws. Step s draws its RL and supervised batches from one generator seeded
 * {@link #stepSeed(long, long) stepSeed(run seed, s)}, so a step's batch depends only on the run seed, the step
 * number and what it draws from, never on timing; the seed is recorded in the step's LearnerStep.
 */
public final class BatchSampler {
    private BatchSampler() {}

    /**
     * The seed of step {@code step}: SplitMix64's finaliser over the run seed and the step, cut to its low 53 bits
     * ({@link Seeds#MAX_RECORDED}): it is recorded in the step's LearnerStep, and a full 64-bit value does not decode
     * exactly in JavaScript's Avro readers.
     */
    public static long stepSeed(long runSeed, long step) {
        return Seeds.mix(Seeds.mix(runSeed) ^ step) & Seeds.MAX_RECORDED;
    }

    /**
     * {@code n} items drawn uniformly without replacement (a partial Fisher-Yates shuffle), in draw order; all of
     * them, shuffled, when there are fewer than {@code n}.
     */
    public static <T> List<T> draw(List<T> from, int n, SplittableRandom rng) {
        int size = from.size();
        int take = Math.min(n, size);
        int[] index = new int[size];
        for (int i = 0; i < size; i++) index[i] = i;
        List<T> out = new ArrayList<>(take);
        for (int i = 0; i < take; i++) {
            int j = i + rng.nextInt(size - i);
            int tmp = index[i];
            index[i] = index[j];
            index[j] = tmp;
            out.add(from.get(index[i]));
        }
        return out;
    }
}
