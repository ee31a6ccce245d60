package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few fused libtorch calls the model needs, called straight through DJL's PyTorch JNI layer.
 * Each is one native op (torch::linear is one addmm, torch::layer_norm one kernel), which is what
 * keeps the per-step op count, and so the per-op overhead on a 2-core machine, low. Results are
 * attached to the manager of the first array argument, so callers pass an activation (owned by a
 * short-lived step manager) first and a parameter second.
 */
final class Ops {
    static { PolicyRuntime.engine(); } // JniUtils needs the native library the engine loads

    private Ops() {}

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** x W^T + b, W in (out, in) layout; {@code bias} may be null. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear(pt(x), pt(weight), bias == null ? null : pt(bias));
    }

    static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding(pt(ids), pt(table), false);
    }

    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.layerNorm(pt(x), new Shape(weight.getShape().get(0)), pt(weight), pt(bias), 1e-5);
    }

    /** Llama's RMSNorm: x / sqrt(mean(x^2) + eps) * weight over the last axis (no mean subtraction, no bias). */
    static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray ms = JniUtils.mean(JniUtils.square(pt(x)), -1, true);
        return x.div(ms.add((float) eps).sqrt()).mul(weight);
    }

    /** SiLU (swish), x * sigmoid(x); this libtorch binding has no fused silu. */
    static NDArray silu(NDArray x) {
        return x.mul(JniUtils.sigmoid(pt(x)));
    }

    /**
     * Rotary position embedding in Hugging Face's rotate_half convention: the head dimension's two
     * halves are the pairs' two coordinates, x * cos + rotate_half(x) * sin with
     * rotate_half([a, b]) = [-b, a].
     *
     * @param x   [B, H, T, D]
     * @param cos [T, D] or [B, 1, T, D], both halves holding the same angles
     */
    static NDArray rotary(NDArray x, NDArray cos, NDArray sin, NDManager step) {
        long d = x.getShape().get(3);
        NDArray first = slice(x, 3, 0, d / 2, step);
        NDArray second = slice(x, 3, d / 2, d, step);
        NDArray rotated = JniUtils.cat(new PtNDArray[] {pt(JniUtils.neg(pt(second))), pt(first)}, 3);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** Exact (erf) GELU, as nanoGPT's nn.GELU(). */
    static NDArray gelu(NDArray x) {
        return JniUtils.gelu(pt(x));
    }

    /**
     * GELU's tanh approximation, Hugging Face's gelu_new (GPT-2's own):
     * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). libtorch has it fused (approximate='tanh'), but
     * this JNI binding exposes only the exact one, so it is five ops; only imported GPT-2s use it.
     */
    static NDArray geluTanh(NDArray x) {
        NDArray inner = x.add(x.mul(x).mul(x).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return x.mul(0.5f).mul(JniUtils.tanh(pt(inner)).add(1f));
    }

    /** x[index] along the first axis (a view). */
    static NDArray select(NDArray x, long index) {
        return JniUtils.getItem(pt(x), new long[] {index}, (PtNDManager) x.getManager());
    }

    /** A view of x[start:end] along {@code axis}, attached to {@code owner}. */
    static NDArray slice(NDArray x, int axis, long start, long end, NDManager owner) {
        NDArray v = JniUtils.slice(pt(x), axis, start, end, 1);
        v.attach(owner);
        return v;
    }

    /** target[..., start:start+n, ...] = value along {@code axis}, n = value's size there (in place, no autograd). */
    static void writeSlice(NDArray target, NDArray value, int axis, long start) {
        long[] s = value.getShape().getShape();
        long[] min = new long[s.length];
        long[] max = s.clone();
        long[] step = new long[s.length];
        java.util.Arrays.fill(step, 1);
        min[axis] = start;
        max[axis] = start + s[axis];
        JniUtils.indexSet(pt(target), pt(value), min, max, step);
    }

    /** Batched matrix product of rank-3 arrays, [N, a, b] x [N, b, c]; one bmm, no broadcasting logic. */
    static NDArray bmm(NDArray a, NDArray b) {
        return JniUtils.bmm(pt(a), pt(b));
    }

    /** A float32 array on the manager's device whose memory belongs to libtorch (not to a Java buffer). */
    static NDArray owned(NDManager manager, float[] data, Shape shape) {
        try (NDArray tmp = manager.create(data, shape)) {
            NDArray copy = tmp.duplicate();
            copy.attach(manager);
            return copy;
        }
    }

    /** Sets the calling thread's autograd mode (thread-local in libtorch) and returns the previous one. */
    static boolean setGrad(boolean enabled) {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        return before;
    }

    /** Scoped autograd mode for the calling thread. */
    static AutoCloseableGrad grad(boolean enabled) {
        return new AutoCloseableGrad(setGrad(enabled));
    }

    static final class AutoCloseableGrad implements AutoCloseable {
        private final boolean before;

        private AutoCloseableGrad(boolean before) {
            this.before = before;
        }

        @Override
        public void close() {
            JniUtils.setGradMode(before);
        }
    }
}
