package org.rltf.policy;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@link Sampler#choose}'s nucleus: the smallest most probable set reaching top-p, ties by lower id, drawn in proportion. */
class NucleusTest {
    private static double[] frequencies(double[] probs, boolean[] allowed, float topP) {
        float[] logp = new float[probs.length];
        for (int i = 0; i < probs.length; i++) logp[i] = (float) Math.log(probs[i]);
        SamplingParams p = new SamplingParams(1f, topP, 1, List.of(), 0);
        SplittableRandom rng = new SplittableRandom(3);
        double[] f = new double[probs.length];
        int n = 40_000;
        for (int k = 0; k < n; k++) f[Sampler.choose(logp, 0, allowed, p, rng)] += 1.0 / n;
        return f;
    }

    @Test
    void drawsOnlyFromTheNucleusInProportion() {
        boolean[] all = new boolean[6];
        Arrays.fill(all, true);
        // 0.4 + 0.3 = 0.7 < 0.8 <= 0.85 = 0.4 + 0.3 + 0.15: the nucleus is {0, 1, 2}, renormalised by 0.85
        double[] f = frequencies(new double[] {0.4, 0.3, 0.15, 0.1, 0.04, 0.01}, all, 0.8f);
        assertThat(f[0]).isCloseTo(0.4 / 0.85, within(0.015));
        assertThat(f[1]).isCloseTo(0.3 / 0.85, within(0.015));
        assertThat(f[2]).isCloseTo(0.15 / 0.85, within(0.015));
        assertThat(f[3] + f[4] + f[5]).isZero();
        // ties go to the lower id: four equal tokens, top-p 0.5 keeps ids 0 and 1
        double[] t = frequencies(new double[] {0.25, 0.25, 0.25, 0.25}, new boolean[] {true, true, true, true}, 0.5f);
        assertThat(t[0]).isCloseTo(0.5, within(0.015));
        assertThat(t[2] + t[3]).isZero();
        // a suppressed token is never in the nucleus; the rest renormalise: {1, 2} has 0.45 of the allowed 0.6 >= 0.7 * 0.6
        double[] s = frequencies(new double[] {0.4, 0.3, 0.15, 0.1, 0.04, 0.01}, new boolean[] {false, true, true, true, true, true}, 0.7f);
        assertThat(s[0]).isZero();
        assertThat(s[1]).isCloseTo(0.3 / 0.45, within(0.015));
        assertThat(s[3] + s[4] + s[5]).isZero();
    }

    @Test
    void aFlatDistributionOverALargeVocabularyKeepsTopPOfIt() {
        int v = 151_936;
        double[] probs = new double[v];
        for (int i = 0; i < v; i++) probs[i] = (1 + 1e-3 * (i % 7)) / v; // nearly flat, as a random-weights model's
        boolean[] all = new boolean[v];
        Arrays.fill(all, true);
        float[] logp = new float[v];
        for (int i = 0; i < v; i++) logp[i] = (float) Math.log(probs[i]);
        SplittableRandom rng = new SplittableRandom(1);
        SamplingParams p = new SamplingParams(1f, 0.5f, 1, List.of(), 0);
        // bands i % 7 = 6, 5, 4 hold ~43% of the mass, band 3 another ~14%: the 50% nucleus is bands 4-6 and part of band 3
        int[] bands = new int[7];
        for (int k = 0; k < 500; k++) bands[Sampler.choose(logp, 0, all, p, rng) % 7]++;
        assertThat(bands[0] + bands[1] + bands[2]).isZero();
        assertThat(bands[3]).isBetween(30, 115); // (0.5 - 0.43) / 0.5 = 14% of draws, 70 expected
        assertThat(bands[4] + bands[5] + bands[6]).isGreaterThan(385);
    }
}
