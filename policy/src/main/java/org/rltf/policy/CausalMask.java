package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/** The additive causal mask, built once per model: [context, context], 0 on and below the diagonal, {@link #MASKED} above. */
final class CausalMask {
    /** Additive mask value: finite, so a row with every key masked (a padding query) stays finite. */
    static final float MASKED = -1e9f;

    private final NDArray mask;

    CausalMask(NDManager manager, int context) {
        int n = context;
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) Arrays.fill(m, i * n + i + 1, (i + 1) * n, MASKED);
        mask = Ops.owned(manager, m, new Shape(n, n));
    }

    /** [T, start + T] view for queries at positions [start, start + T). */
    NDArray rows(int start, int t, NDManager step) {
        NDArray rows = Ops.slice(mask, 0, start, start + t, step);
        return Ops.slice(rows, 1, 0, start + t, step);
    }
}
