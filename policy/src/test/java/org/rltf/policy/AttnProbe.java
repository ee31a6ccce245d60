package org.rltf.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "rltf.bench", matches = ".+")
class AttnProbe {
    @Test
    void probe() {
        try (Policy p = Policy.create(ModelConfig.preset("tiny", 257), Tokenizer.bytes(), 1, Device.cpu())) {
            GptModel model = p.model();
            CausalSelfAttention a = model.blocks[0].attn;
            int b = 1;
            long[] t = new long[12];
            int n = 2000;
            try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager sm = model.manager().newSubManager()) {
                KvCache cache = new KvCache(sm, model.config, b, 256);
                NDArray x = sm.ones(new Shape(b, 1, 128));
                NDArray mask = sm.zeros(new Shape(b, 1, 1, 101));
                NDArray scale = sm.create(0.17f);
                for (int i = 0; i < n; i++) {
                    try (NDManager step = sm.newSubManager()) {
                        long c0 = System.nanoTime();
                        NDArray qkv = Ops.linear(x, a.cAttnWeight, a.cAttnBias);
                        long c1 = System.nanoTime();
                        qkv = qkv.reshape(b, 1, 3, 4, 32);
                        long c2 = System.nanoTime();
                        qkv = qkv.transpose(2, 0, 3, 1, 4);
                        long c3 = System.nanoTime();
                        NDArray q = Ops.select(qkv, 0).mul(scale);
                        NDArray k = Ops.select(qkv, 1);
                        NDArray v = Ops.select(qkv, 2);
                        long c4 = System.nanoTime();
                        Ops.writeTime(cache.keysForProbe(0), k, 100);
                        long c5 = System.nanoTime();
                        NDArray kk = Ops.slice(cache.keysForProbe(0), 2, 0, 101, step);
                        long c6 = System.nanoTime();
                        NDArray att = q.matMul(kk.transpose(0, 1, 3, 2));
                        long c7 = System.nanoTime();
                        att = att.add(mask).softmax(-1);
                        long c8 = System.nanoTime();
                        NDArray y = att.matMul(kk);
                        long c9 = System.nanoTime();
                        y = y.transpose(0, 2, 1, 3).reshape(b, 1, 128);
                        long c10 = System.nanoTime();
                        Ops.linear(y, a.cProjWeight, a.cProjBias);
                        long c11 = System.nanoTime();
                        long[] cs = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};
                        if (i >= 500) for (int j = 1; j < cs.length; j++) t[j] += cs[j] - cs[j - 1];
                    }
                }
                String[] names = {"", "linear", "reshape", "permute", "select3+mul", "indexSet", "slice", "transpose+matmul", "add+softmax", "matmul", "transpose+reshape", "linear"};
                for (int j = 1; j < 12; j++) System.out.printf("%s %.1f us%n", names[j], t[j] / (double) (n - 500) / 1e3);
            }
        }
    }
}
