package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for a batch being decoded, written in place so a decode step
 * appends one position instead of recomputing the prefix; attention reads views of the filled part.
 * Keys are stored transposed, [B, KV heads, D, capacity], so the filled part is already the right operand
 * of q k^T: a strided view bmm takes as it is (a transposed view of a [.., capacity, D] buffer
 * made libtorch copy it on every step, several times slower at batch 1).
 */
final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;

    /** Made by the model ({@link CausalLm#newCache}), which knows how many key/value heads it has. */
    KvCache(NDManager manager, int layers, int kvHeads, int headDim, int batch, int capacity) {
        this.capacity = capacity;
        keys = new NDArray[layers];
        values = new NDArray[layers];
        Shape keyShape = new Shape(batch, kvHeads, headDim, capacity);
        Shape valueShape = new Shape(batch, kvHeads, capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(keyShape, DataType.FLOAT32);
            values[l] = manager.zeros(valueShape, DataType.FLOAT32);
        }
    }

    /**
     * Stores keys kT ([B, KV, D, T]) and values v ([B, KV, T, D]) at positions [start, start+T) and
     * returns views of positions [0, start+T) in the same layouts.
     */
    NDArray[] append(int layer, NDArray kT, NDArray v, int start, NDManager step) {
        long end = start + v.getShape().get(2);
        if (end > capacity) throw new IllegalStateException("KV cache full: " + end + " > " + capacity);
        Ops.writeSlice(keys[layer], kT, 3, start);
        Ops.writeSlice(values[layer], v, 2, start);
        return new NDArray[] {Ops.slice(keys[layer], 3, 0, end, step), Ops.slice(values[layer], 2, 0, end, step)};
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
