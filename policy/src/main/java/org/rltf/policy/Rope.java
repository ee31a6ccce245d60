package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings (Su et al., RoFormer) in Hugging Face's rotate_half layout: in a head
 * of dimension D, coordinates j and j + D/2 (j < D/2) are one pair, rotated at position p by
 * angle(p, j) = p * theta^(-2j/D). The cos and sin of every position's angles are tabulated once,
 * [context, D] with both halves holding the same angles, computed in double.
 */
final class Rope {
    private final NDArray cos; // [context, D]
    private final NDArray sin; // [context, D]
    private final int headDim;

    Rope(NDManager manager, int context, int headDim, double theta) {
        int d = headDim;
        int n = context;
        float[] cos = new float[n * d];
        float[] sin = new float[n * d];
        for (int p = 0; p < n; p++) {
            for (int j = 0; j < d / 2; j++) {
                double angle = p * Math.pow(theta, -2.0 * j / d);
                cos[p * d + j] = cos[p * d + j + d / 2] = (float) Math.cos(angle);
                sin[p * d + j] = sin[p * d + j + d / 2] = (float) Math.sin(angle);
            }
        }
        this.cos = Ops.owned(manager, cos, new Shape(n, d));
        this.sin = Ops.owned(manager, sin, new Shape(n, d));
        this.headDim = headDim;
    }

    /** The rotation at int64 {@code positions}, [T] (the same for every row) or [B, T] (per row). */
    At at(NDArray positions) {
        NDArray c = Ops.embedding(positions, cos); // [T, D] or [B, T, D]
        NDArray s = Ops.embedding(positions, sin);
        if (c.getShape().dimension() == 3) { // per-row positions: broadcast over heads
            long b = c.getShape().get(0);
            long t = c.getShape().get(1);
            c = c.reshape(b, 1, t, headDim);
            s = s.reshape(b, 1, t, headDim);
        }
        return new At(c, s);
    }

    /** cos and sin at one call's positions, [T, D] or [B, 1, T, D]. */
    record At(NDArray cos, NDArray sin) {
        /** x [B, heads, T, D] rotated: x * cos + rotate_half(x) * sin. */
        NDArray rotate(NDArray x, NDManager step) {
            return Ops.rotary(x, cos, sin, step);
        }
    }
}
