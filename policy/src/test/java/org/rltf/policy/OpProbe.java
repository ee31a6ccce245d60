package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "rltf.bench", matches = ".+")
class OpProbe {
    @Test
    void probe() {
        try (NDManager m = PolicyRuntime.engine().newBaseManager()) {
            NDArray x = m.ones(new Shape(1, 1, 128));
            NDArray w = m.ones(new Shape(384, 128));
            for (int round = 0; round < 3; round++) {
                try (NDManager s = m.newSubManager()) {
                    x.attach(s);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 20000; i++) x.add(x);
                    long t1 = System.nanoTime();
                    for (int i = 0; i < 20000; i++) Ops.linear(x, w, null);
                    long t2 = System.nanoTime();
                    for (int i = 0; i < 20000; i++) x.reshape(1, 128);
                    long t3 = System.nanoTime();
                    System.out.printf("add %.2f us, linear %.2f us, reshape %.2f us%n", (t1 - t0) / 2e4 / 1e3, (t2 - t1) / 2e4 / 1e3, (t3 - t2) / 2e4 / 1e3);
                    x.attach(m);
                }
            }
        }
    }
}
