package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.kernel.RunConfig;

/** Every service command takes --metrics-port (the shared key metrics.port), checked before the service starts. */
class MetricsPortOptionTest {

    @Test
    void everyServiceCommandHasTheMetricsPortOption() {
        var cli = Rltf.commandLine();
        for (String service : List.of("grader", "generator", "learner", "evaluator")) {
            String usage = cli.getSubcommands().get(service).getUsageMessage();
            assertThat(usage).as(service).contains("--metrics-port").contains(RunConfig.METRICS_PORT_CONFIG);
        }
        for (String tool : List.of("replay", "regrade", "tail", "dashboard"))
            assertThat(cli.getSubcommands()).containsKey(tool);
    }

    @Test
    void theMetricsPortIsOffByDefaultAndCheckedWhenGiven() {
        assertThat(ServiceCommand.metricsPort(Map.of())).isEqualTo(-1);
        assertThat(ServiceCommand.metricsPort(Map.of(RunConfig.METRICS_PORT_CONFIG, "9464"))).isEqualTo(9464);
        assertThatThrownBy(() -> ServiceCommand.metricsPort(Map.of(RunConfig.METRICS_PORT_CONFIG, "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(RunConfig.METRICS_PORT_CONFIG);
        assertThatThrownBy(() -> ServiceCommand.metricsPort(Map.of(RunConfig.METRICS_PORT_CONFIG, "70000")))
                .isInstanceOf(ConfigException.class);
    }
}
