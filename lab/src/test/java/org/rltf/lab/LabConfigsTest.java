package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.kernel.RunConfig;
import org.rltf.lab.run.LabConfigs;
import org.rltf.lab.run.LabSettings;
import org.rltf.learner.LearnerConfig;
import org.rltf.streams.RewardConfig;

/** The lab parses every service's configuration before it imports problems or trains its warm-up. */
class LabConfigsTest {
    private static final Map<String, Object> CLUSTER = Map.of(RunConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9",
            RunConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:9");

    private static LabConfigs configs(double negativeScale, String rlDraw) {
        LabSettings s = new LabSettings("lab-configs", Path.of("runs/lab-configs"), 1_000_000L, 1, "builtin", 0, 200, 0.5,
                "tiny", 2000, 32, 3e-3, 150, 0, 10, 16, 8, 160, 1.0f, 1, 3e-4, 64, 32, 10, 8, true, 2, "group-mean", 3,
                1.0, negativeScale, 0.0, rlDraw, Map.of());
        return new LabConfigs(s, CLUSTER);
    }

    @Test
    void theDefaultRecipeParses() {
        assertThatCode(() -> configs(0.0, LearnerConfig.RL_DRAW_UNIFORM).validate()).doesNotThrowAnyException();
    }

    @Test
    void aBadRecipeValueFailsNamingItsKey() {
        assertThatThrownBy(() -> configs(0.0, "bogus").validate()).isInstanceOf(ConfigException.class)
                .hasMessageContaining(LearnerConfig.RL_DRAW_CONFIG);
        assertThatThrownBy(() -> configs(Double.NaN, LearnerConfig.RL_DRAW_UNIFORM).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining(RewardConfig.NEGATIVE_SCALE_CONFIG);
    }
}
