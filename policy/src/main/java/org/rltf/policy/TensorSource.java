package org.rltf.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named tensors to read one at a time: the shapes up front (so a model checks them before allocating
 * anything), then each tensor's data when asked. A model's weights go straight from here into
 * libtorch, so loading holds one tensor in flight, not a second copy of the model: a memory-mapped
 * {@link SafetensorsFile} (or a set of shards) is copied tensor by tensor into native memory.
 */
interface TensorSource {
    /** Tensor names and shapes, in file order. */
    LinkedHashMap<String, long[]> shapes();

    /** The stored dtype of {@code name}: F32, BF16, F16 or F64. */
    String dtype(String name);

    /** The stored bytes of {@code name}, little-endian, from position 0 (a view; do not modify). */
    ByteBuffer raw(String name);

    /** {@code name} widened to float32 in Java memory. */
    default float[] floats(String name) {
        return Safetensors.decode(raw(name), dtype(name), Math.toIntExact(count(shapes().get(name))));
    }

    /**
     * {@code name} as a float32 array owned by libtorch on {@code manager}'s device. The stored bytes
     * are wrapped in place (a direct buffer, no copy), then converted or cloned into libtorch memory,
     * so the mapping is never referenced afterwards.
     */
    default NDArray load(String name, NDManager manager) {
        ByteBuffer raw = raw(name);
        String dtype = dtype(name);
        Shape shape = new Shape(shapes().get(name));
        if (!raw.isDirect() || dtype.equals("F64")) return Ops.owned(manager, floats(name), shape);
        DataType dt = dtype.equals(Safetensors.F32) ? DataType.FLOAT32 : dtype.equals(Safetensors.BF16) ? DataType.BFLOAT16 : DataType.FLOAT16;
        try (NDManager tmp = manager.newSubManager(Device.cpu())) {
            NDArray view = JniUtils.createNdFromByteBuffer((PtNDManager) tmp, raw, shape, dt, SparseFormat.DENSE, Device.cpu());
            NDArray f32 = dt == DataType.FLOAT32 ? view.duplicate() : view.toType(DataType.FLOAT32, false); // a new tensor either way
            NDArray out = manager.getDevice().equals(Device.cpu()) ? f32 : f32.toDevice(manager.getDevice(), true);
            out.attach(manager);
            return out;
        }
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Tensors already in Java memory (fresh weights, tests). */
    static TensorSource of(Map<String, Safetensors.Tensor> tensors) {
        return new TensorSource() {
            @Override
            public LinkedHashMap<String, long[]> shapes() {
                LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
                tensors.forEach((n, t) -> s.put(n, t.shape()));
                return s;
            }

            @Override
            public String dtype(String name) {
                return Safetensors.F32;
            }

            @Override
            public ByteBuffer raw(String name) {
                return Safetensors.encode(tensors.get(name).data(), Safetensors.F32);
            }

            @Override
            public float[] floats(String name) {
                return tensors.get(name).data();
            }

            @Override
            public NDArray load(String name, NDManager manager) {
                Safetensors.Tensor t = tensors.get(name);
                return Ops.owned(manager, t.data(), new Shape(t.shape()));
            }
        };
    }
}
