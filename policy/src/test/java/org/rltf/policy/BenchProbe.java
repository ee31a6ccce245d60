package org.rltf.policy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "rltf.bench", matches = ".+")
class BenchProbe {
    @Test
    void probe() {
        String preset = System.getProperty("rltf.bench");
        try (Policy p = Policy.create(ModelConfig.preset(preset, 257), Tokenizer.bytes(), 1, Device.cpu())) {
            PolicyBench.Shapes s = PolicyBench.Shapes.defaults();
            for (int r = 0; r < 2; r++) {
                System.out.printf("train %.0f  b1 %.0f  b32 %.0f%n", PolicyBench.trainTokensPerSecond(p, s), PolicyBench.sampleTokensPerSecond(p, s, 1),
                        PolicyBench.sampleTokensPerSecond(p, s, 32));
            }
        }
    }
}
