package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The additive causal mask: 0 on and below the diagonal, {@link #MASKED} above. A table of the first
 * {@value #TABLE} positions (or the context, if shorter) is built once per model and sliced; longer
 * calls get their rows built for them. A full [context, context] table is 64 GiB at Llama 3's 131072.
 */
final class CausalMask {
    /** Additive mask value: finite, so a row with every key masked (a padding query) stays finite. */
    static final float MASKED = -1e9f;
    private static final int TABLE = 2048;

    private final NDArray mask;
    private final int n;

    CausalMask(NDManager manager, int context) {
        n = Math.min(context, TABLE);
        mask = Ops.owned(manager, build(0, n), new Shape(n, n));
    }

    /** Rows [start, start + t) of the mask, each over keys [0, start + t). */
    private static float[] build(int start, int t) {
        int s = start + t;
        float[] m = new float[t * s];
        for (int i = 0; i < t; i++) Arrays.fill(m, i * s + start + i + 1, (i + 1) * s, MASKED);
        return m;
    }

    /** [T, start + T] view for queries at positions [start, start + T). */
    NDArray rows(int start, int t, NDManager step) {
        if (start + t > n) return step.create(build(start, t), new Shape(t, start + t));
        NDArray rows = Ops.slice(mask, 0, start, start + t, step);
        return Ops.slice(rows, 1, 0, start + t, step);
    }
}
