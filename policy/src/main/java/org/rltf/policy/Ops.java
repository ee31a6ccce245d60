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

    /** Exact (erf) GELU, as nanoGPT's nn.GELU(). */
    static NDArray gelu(NDArray x) {
        return JniUtils.gelu(pt(x));
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

    static boolean gradEnabled() {
        return JniUtils.isGradMode();
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
