package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GeneratorConfigTest {

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("run", "r1");
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void defaults() {
        GeneratorConfig c = new GeneratorConfig(base());
        assertThat(c.samplesPerProblem()).isEqualTo(4);
        assertThat(c.temperature()).isEqualTo(1.0f);
        assertThat(c.topP()).isEqualTo(0.95f);
        assertThat(c.samplesPerRound()).isEqualTo(4 * 5);
        assertThat(c.generatorId()).startsWith("gen-");
        assertThat(c.checkpointStoreDir()).isNull();
        assertThat(c.problemsSplits()).containsExactly("train");
    }

    @Test
    void badValuesFailNamingTheirKey() {
        Map<String, Object> m = base();
        m.put("temperature", "0");
        assertThatThrownBy(() -> new GeneratorConfig(m)).isInstanceOf(ConfigException.class).hasMessageContaining("temperature");
        Map<String, Object> m2 = base();
        m2.put("run", "bad.run");
        assertThatThrownBy(() -> new GeneratorConfig(m2)).isInstanceOf(ConfigException.class).hasMessageContaining("run");
        Map<String, Object> m3 = base();
        m3.put("generator.id", "a/b");
        assertThatThrownBy(() -> new GeneratorConfig(m3)).isInstanceOf(ConfigException.class).hasMessageContaining("generator.id");
        Map<String, Object> m4 = base();
        m4.remove("bootstrap.servers");
        assertThatThrownBy(() -> new GeneratorConfig(m4)).isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    }

    @Test
    void theErrorBufferMustHoldOneRound() {
        Map<String, Object> m = base();
        m.put("batch.problems", "4");
        m.put("samples.per.problem", "4");
        m.put("rate.limit.error.buffer", "19");
        assertThatThrownBy(() -> new GeneratorConfig(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rate.limit.error.buffer");
        m.put("rate.limit.error.buffer", "20");
        assertThat(new GeneratorConfig(m).rateLimitErrorBuffer()).isEqualTo(20);
        m.put("rate.limit.error.buffer", "1");
        m.put("rate.limit.samples.per.step", "0"); // no limit, no constraint
        assertThat(new GeneratorConfig(m).rateLimitErrorBuffer()).isEqualTo(1);
    }
}
