package org.rltf.grader.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GraderServiceConfigTest {

    private static Map<String, Object> minimal() {
        Map<String, Object> m = new HashMap<>();
        m.put("run", "r1");
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void defaultsDeriveNamesFromTheRun() {
        Map<String, Object> m = minimal();
        m.put("instance.id", "g-0");
        GraderServiceConfig config = new GraderServiceConfig(m);
        assertThat(config.groupId()).isEqualTo("rltf.r1.grader");
        assertThat(config.transactionalId()).isEqualTo("rltf-grader.r1.g-0");
        assertThat(config.hasStableInstanceId()).isTrue();
        assertThat(config.topics().samples()).isEqualTo("rltf.r1.samples");
        assertThat(config.sandboxErrorRetries()).isEqualTo(1);
    }

    @Test
    void generatedInstanceIdIsStableWithinOneConfig() {
        GraderServiceConfig config = new GraderServiceConfig(minimal());
        assertThat(config.hasStableInstanceId()).isFalse();
        assertThat(config.instanceId()).isNotEmpty().isEqualTo(config.instanceId());
        assertThat(config.transactionalId()).endsWith("." + config.instanceId());
    }

    @Test
    void badValuesFailNamingTheKey() {
        Map<String, Object> noRun = minimal();
        noRun.remove("run");
        assertThatThrownBy(() -> new GraderServiceConfig(noRun)).isInstanceOf(ConfigException.class).hasMessageContaining("run");

        Map<String, Object> badRun = minimal();
        badRun.put("run", "a.b");
        assertThatThrownBy(() -> new GraderServiceConfig(badRun)).isInstanceOf(ConfigException.class).hasMessageContaining("run");

        Map<String, Object> badBatch = minimal();
        badBatch.put("batch.max.records", "0");
        assertThatThrownBy(() -> new GraderServiceConfig(badBatch)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("batch.max.records");

        Map<String, Object> badInstance = minimal();
        badInstance.put("instance.id", "has space");
        assertThatThrownBy(() -> new GraderServiceConfig(badInstance)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("instance.id");
    }
}
