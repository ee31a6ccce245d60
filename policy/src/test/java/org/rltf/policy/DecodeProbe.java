package org.rltf.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "rltf.bench", matches = ".+")
class DecodeProbe {
    @Test
    void probe() {
        try (Policy p = Policy.create(ModelConfig.preset("tiny", 257), Tokenizer.bytes(), 1, Device.cpu())) {
            GptModel model = p.model();
            int b = Integer.getInteger("b", 1);
            for (int round = 0; round < 3; round++) {
                try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager sm = model.manager().newSubManager()) {
                    KvCache cache = new KvCache(sm, model.config, b, 256);
                    NDArray padMask = sm.zeros(new Shape(b, 1, 1, 256));
                    long tHidden = 0, tHead = 0, tCopy = 0, tMgr = 0, tCreate = 0;
                    for (int at = 0; at < 200; at++) {
                        long t0 = System.nanoTime();
                        NDManager step = sm.newSubManager();
                        long[] ids = new long[b];
                        long[] pos = new long[b];
                        java.util.Arrays.fill(pos, at);
                        NDArray idA = step.create(ids, new Shape(b, 1));
                        NDArray posA = step.create(pos, new Shape(b, 1));
                        NDArray mask = Ops.slice(padMask, 3, 0, at + 1, step);
                        long t1 = System.nanoTime();
                        NDArray h = model.hidden(idA, posA, mask, cache, at, step);
                        long t2 = System.nanoTime();
                        NDArray lp = model.logits(h).logSoftmax(-1);
                        long t3 = System.nanoTime();
                        float[] f = lp.toFloatArray();
                        long t4 = System.nanoTime();
                        step.close();
                        long t5 = System.nanoTime();
                        tCreate += t1 - t0; tHidden += t2 - t1; tHead += t3 - t2; tCopy += t4 - t3; tMgr += t5 - t4;
                    }
                    System.out.printf("b=%d per step: create %.0f us hidden %.0f us head %.0f us copy %.0f us close %.0f us%n", b,
                            tCreate / 200e3, tHidden / 200e3, tHead / 200e3, tCopy / 200e3, tMgr / 200e3);
                    cache.close();
                }
            }
        }
    }
}
