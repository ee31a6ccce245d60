package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A model's parameters: float32 arrays owned by libtorch on the model's manager, by canonical
 * name, in canonical order (the architecture's {@link CausalLm#parameterShapes}). Weights are
 * checked against those names and shapes before anything is allocated, so a checkpoint that does
 * not fit fails with one message saying what is wrong.
 */
final class Parameters implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final LinkedHashMap<String, long[]> shapes;
    private final LinkedHashMap<String, NDArray> arrays = new LinkedHashMap<>();

    /** Checks {@code weights} against {@code shapes}, then copies them into libtorch one tensor at a time. */
    Parameters(ModelConfig config, LinkedHashMap<String, long[]> shapes, NDManager manager, TensorSource weights) {
        check(config, shapes, weights.shapes());
        this.config = config;
        this.manager = manager;
        this.shapes = shapes;
        for (String name : shapes.keySet()) {
            NDArray a = weights.load(name, manager);
            a.setName(name);
            arrays.put(name, a);
        }
    }

    /** The parameter called {@code name} (a canonical name of this architecture). */
    NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) throw new IllegalStateException("no parameter " + name + " in a " + config.architecture() + " model");
        return a;
    }

    /** Every parameter by name, in canonical order (live arrays; the trainer updates them in place). */
    LinkedHashMap<String, NDArray> byName() {
        return arrays;
    }

    /** The parameters' shapes by name, in canonical order. */
    LinkedHashMap<String, long[]> shapes() {
        return shapes;
    }

    /** Copies every parameter to Java memory, in canonical order (small models and tests; saving streams instead). */
    LinkedHashMap<String, Safetensors.Tensor> snapshot() {
        LinkedHashMap<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        arrays.forEach((name, a) -> out.put(name, new Safetensors.Tensor(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    /**
     * Switches every parameter to new values in place: the Java arrays stay the same objects (so a
     * trainer holding them keeps working) and keep their requires-grad flag; the old native
     * tensors are freed.
     */
    void replace(TensorSource weights) {
        check(config, shapes, weights.shapes());
        try (Ops.AutoCloseableGrad g = Ops.grad(false)) {
            for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
                NDArray current = e.getValue();
                boolean grad = current.hasGradient();
                NDArray fresh = weights.load(e.getKey(), manager);
                current.intern(fresh);
                if (grad) current.setRequiresGradient(true);
            }
        }
    }

    NDManager manager() {
        return manager;
    }

    /** Closes the manager: the parameters and every other array the model put on it. */
    @Override
    public void close() {
        manager.close();
    }

    static void check(ModelConfig config, Map<String, long[]> expected, Map<String, long[]> weights) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] t = weights.get(e.getKey());
            if (t == null) problems.add("missing " + e.getKey());
            else if (!Arrays.equals(t, e.getValue())) {
                problems.add(e.getKey() + " has shape " + Arrays.toString(t) + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        TreeSet<String> extra = new TreeSet<>(weights.keySet());
        extra.removeAll(expected.keySet());
        extra.forEach(n -> problems.add("unexpected tensor " + n));
        if (!problems.isEmpty()) {
            throw new CheckpointException("weights do not fit " + config.architecture() + " " + config.layers() + " layers x width " + config.width() + " x vocab "
                    + config.vocabSize() + " x context " + config.context() + ": "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size()))) + (problems.size() > 8 ? "; ..." : ""));
        }
    }

    /**
     * nanoGPT's initialisation, drawn in Java from {@code java.util.Random(seed)} (whose Gaussian is
     * specified), so a seed gives the same weights on every JVM, engine version and device:
     * N(0, 0.02) for embeddings and Linear weights, N(0, 0.02/sqrt(2 * layers)) for the projections
     * that write into the residual stream ({@code residual}), zero biases, unit norm gains. In both
     * architectures every rank-1 parameter is a bias or a norm gain.
     */
    static LinkedHashMap<String, Safetensors.Tensor> initial(Map<String, long[]> shapes, int layers, long seed, Predicate<String> residual) {
        Random rng = new Random(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * layers);
        LinkedHashMap<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            if (shape.length == 1) {
                if (!name.endsWith(".bias")) Arrays.fill(data, 1f); // a norm gain; a bias stays 0
            } else {
                double std = residual.test(name) ? projStd : 0.02;
                for (int i = 0; i < data.length; i++) data[i] = (float) (rng.nextGaussian() * std);
            }
            w.put(name, new Safetensors.Tensor(shape, data));
        }
        return w;
    }
}
