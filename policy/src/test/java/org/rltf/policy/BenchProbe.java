package org.rltf.policy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Manual: mvn -pl policy test -Dtest=BenchProbe -Drltf.bench=tiny */
@EnabledIfSystemProperty(named = "rltf.bench", matches = ".+")
class BenchProbe {
    @Test
    void probe() {
        String preset = System.getProperty("rltf.bench");
        try (Policy p = Policy.create(ModelConfig.preset(preset, 257), Tokenizer.bytes(), 1, Device.cpu())) {
            System.out.println("threads " + ai.djl.pytorch.jni.JniUtils.getNumThreads() + " interop " + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
            Random rng = new Random(1);
            List<TokenSequence> batch = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
                int[] pr = new int[128], c = new int[128];
                for (int i = 0; i < 128; i++) { pr[i] = rng.nextInt(256); c[i] = rng.nextInt(256); }
                float[] w = new float[128]; Arrays.fill(w, 1f / 1024);
                batch.add(new TokenSequence(pr, c, w));
            }
            try (PolicyTrainer t = new PolicyTrainer(p, TrainerConfig.defaults())) {
                for (int i = 0; i < 3; i++) { t.accumulate(batch); t.step(); t.logProbs(batch); }
                long a = 0, s = 0, f = 0;
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime(); t.accumulate(batch); long t1 = System.nanoTime(); t.step(); long t2 = System.nanoTime();
                    t.logProbs(batch); long t3 = System.nanoTime();
                    a += t1 - t0; s += t2 - t1; f += t3 - t2;
                }
                System.out.printf("accumulate %.1f ms step %.1f ms forward-only %.1f ms%n", a / 5e6, s / 5e6, f / 5e6);
            }
            PolicyBench.Shapes sh = PolicyBench.Shapes.defaults();
            System.out.println("train " + PolicyBench.trainTokensPerSecond(p, sh));
            System.out.println("sample b1 " + PolicyBench.sampleTokensPerSecond(p, sh, 1));
            System.out.println("sample b32 " + PolicyBench.sampleTokensPerSecond(p, sh, 32));
        }
    }
}
