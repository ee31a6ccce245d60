package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings (Su et al., RoFormer) in Hugging Face's rotate_half layout: in a head
 * of dimension D, coordinates j and j + D/2 (j < D/2) are one pair, rotated at position p by
 * angle(p, j) = p * inv_freq[j], inv_freq[j] = theta^(-2j/D) possibly scaled ({@link RopeScaling}).
 * The cos and sin of every position's angles are tabulated, [n, D] with both halves holding the same
 * angles, in float32 as transformers computes them (the product p * inv_freq rounded to float, then
 * its cosine). The table covers the positions used so far and grows by doubling up to the context:
 * models with 32k-128k positions would otherwise hold tables for positions a code task never reaches.
 */
final class Rope {
    private static final int INITIAL = 2048;

    private final NDManager manager;
    private final int context;
    private final int headDim;
    private final float[] invFreq;
    private NDArray cos; // [n, D]
    private NDArray sin; // [n, D]
    private int n;

    Rope(NDManager manager, int context, int headDim, float[] invFreq) {
        this.manager = manager;
        this.context = context;
        this.headDim = headDim;
        this.invFreq = invFreq.clone();
        build(Math.min(context, INITIAL));
    }

    private void build(int positions) {
        int d = headDim;
        float[] c = new float[positions * d];
        float[] s = new float[positions * d];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < d / 2; j++) {
                float angle = invFreq[j] * (float) p;
                c[p * d + j] = c[p * d + j + d / 2] = (float) Math.cos(angle);
                s[p * d + j] = s[p * d + j + d / 2] = (float) Math.sin(angle);
            }
        }
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = Ops.owned(manager, c, new Shape(positions, d));
        sin = Ops.owned(manager, s, new Shape(positions, d));
        n = positions;
    }

    /**
     * The rotation at int64 {@code positions}, [T] (the same for every row) or [B, T] (per row), all
     * below {@code end}.
     */
    At at(NDArray positions, int end) {
        if (end > n) build(Math.min(context, Math.max(end, 2 * n)));
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
