package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for a batch being decoded: per layer two [B, H, capacity, D]
 * buffers written in place, so a decode step appends one position instead of recomputing the
 * prefix. Attention reads a view of the filled part.
 */
final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;

    KvCache(NDManager manager, ModelConfig config, int batch, int capacity) {
        this.capacity = capacity;
        keys = new NDArray[config.layers()];
        values = new NDArray[config.layers()];
        Shape shape = new Shape(batch, config.heads(), capacity, config.headDim());
        for (int l = 0; l < config.layers(); l++) {
            keys[l] = manager.zeros(shape, DataType.FLOAT32);
            values[l] = manager.zeros(shape, DataType.FLOAT32);
        }
    }

    int capacity() { return capacity; }

    NDArray keysForProbe(int layer) { return keys[layer]; }

    /** Stores k, v ([B, H, T, D]) at positions [start, start+T) and returns views of positions [0, start+T). */
    NDArray[] append(int layer, NDArray k, NDArray v, int start, NDManager step) {
        long end = start + k.getShape().get(2);
        if (end > capacity) throw new IllegalStateException("KV cache full: " + end + " > " + capacity);
        Ops.writeTime(keys[layer], k, start);
        Ops.writeTime(values[layer], v, start);
        return new NDArray[] {Ops.slice(keys[layer], 2, 0, end, step), Ops.slice(values[layer], 2, 0, end, step)};
    }

    /** Keeps only the given batch rows (finished rows are dropped so later steps do less work). */
    void keepRows(NDArray rows) {
        for (int l = 0; l < keys.length; l++) {
            NDArray k = keys[l].get(rows);
            NDArray v = values[l].get(rows);
            keys[l].close();
            values[l].close();
            keys[l] = k;
            values[l] = v;
        }
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
