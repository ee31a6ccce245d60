package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.rltf.generator.GeneratorConfig;
import org.rltf.streams.BufferConfig;

/** Defaults of different services that only work together when they agree. */
class ConfigDefaultsTest {
    @Test
    void theGroupMeanBaselinesGroupIsTheGeneratorsSamplesPerProblem() {
        // With a larger group size no group is ever complete: every sample waits out buffer.baseline.wait.ms.
        assertThat(BufferConfig.CONFIG.defaultValues().get(BufferConfig.GROUP_SIZE_CONFIG))
                .isEqualTo(GeneratorConfig.CONFIG.defaultValues().get(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG));
    }
}
