package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.rltf.kernel.Seeds;

class BatchSamplerTest {

    @Test
    void theSameStepDrawsTheSameBatch() {
        List<Integer> items = range(100);
        List<Integer> a = BatchSampler.draw(items, 8, new SplittableRandom(BatchSampler.stepSeed(42, 7)));
        List<Integer> b = BatchSampler.draw(items, 8, new SplittableRandom(BatchSampler.stepSeed(42, 7)));
        List<Integer> c = BatchSampler.draw(items, 8, new SplittableRandom(BatchSampler.stepSeed(42, 8)));
        assertThat(a).isEqualTo(b).hasSize(8).doesNotHaveDuplicates();
        assertThat(c).isNotEqualTo(a);
        assertThat(BatchSampler.stepSeed(42, 7)).isNotEqualTo(BatchSampler.stepSeed(43, 7));
    }

    @Test
    void recordedSeedsStayWithinWhatEveryAvroReaderDecodesExactly() {
        for (long runSeed : new long[] {0, 42, -1, Long.MIN_VALUE, Long.MAX_VALUE})
            for (long step = 1; step <= 1000; step++)
                assertThat(BatchSampler.stepSeed(runSeed, step)).isBetween(0L, Seeds.MAX_RECORDED);
    }

    @Test
    void takesEverythingWhenThereIsLessThanABatch() {
        List<Integer> drawn = BatchSampler.draw(range(3), 8, new SplittableRandom(1));
        assertThat(drawn).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(BatchSampler.draw(List.of(), 8, new SplittableRandom(1))).isEmpty();
    }

    @Test
    void drawsAreUniform() {
        // 10 items, batches of 3, 20000 draws: each item is drawn 6000 times in expectation (sd ~ 65).
        Map<Integer, Integer> counts = new HashMap<>();
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 20000; i++)
            for (int x : BatchSampler.draw(range(10), 3, rng)) counts.merge(x, 1, Integer::sum);
        assertThat(counts).hasSize(10);
        counts.values().forEach(n -> assertThat(n).isBetween(5600, 6400));
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        return l;
    }
}
