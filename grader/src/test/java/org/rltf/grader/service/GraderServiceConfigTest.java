package org.rltf.grader.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.kernel.ClientConfigs;

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

    @Test
    void securitySettingsReachEveryClientTheServiceBuilds() {
        Map<String, Object> m = minimal();
        m.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "g-0");
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        m.put("ssl.truststore.location", "/etc/rltf/truststore.jks");
        m.put("consumer.fetch.max.bytes", "1048576");
        GraderServiceConfig config = new GraderServiceConfig(m);
        // The service opens the problems table with its whole config; this is the reader the table builds from it.
        Map<String, Object> problemsReader = ClientConfigs.readCommittedConsumer(config.originals(),
                config.problemsClientId());
        for (Map<String, Object> client : List.of(config.consumerConfig(), config.producerConfig(), problemsReader)) {
            assertThat(client).containsEntry("bootstrap.servers", "localhost:9092")
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .containsEntry("ssl.truststore.location", "/etc/rltf/truststore.jks")
                    .doesNotContainKeys("run", "schema.registry.url", GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG);
        }
        assertThat(config.consumerConfig()).containsEntry("group.id", "rltf.r1.grader")
                .containsEntry("group.instance.id", "g-0").containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false).containsEntry("max.poll.records", 16)
                .containsEntry("fetch.max.bytes", "1048576").containsEntry("client.id", "rltf-grader-r1-g-0");
        assertThat(problemsReader).containsEntry("isolation.level", "read_committed")
                .containsEntry("fetch.max.bytes", "1048576").containsEntry("client.id", "rltf-grader-r1-g-0-problems")
                .doesNotContainKey("group.id");
        assertThat(config.producerConfig()).containsEntry("transactional.id", "rltf-grader.r1.g-0")
                .containsEntry("acks", "all").containsEntry("transaction.timeout.ms", 300_000)
                .doesNotContainKey("fetch.max.bytes");
    }
}
