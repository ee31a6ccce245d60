package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ClientConfigsTest {
    private static final Map<String, Object> SERVICE = Map.of(
            "bootstrap.servers", "b:9093", "schema.registry.url", "http://r", "learner.lr", "0.1",
            "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "ssl.truststore.location", "/t",
            "producer.linger.ms", "9", "consumer.fetch.max.bytes", "1", "admin.retries", "3");

    @Test void securitySettingsReachEveryClient() {
        for (Map<String, Object> client : new Map[] {
                ClientConfigs.producer(SERVICE, "p", Map.of()), ClientConfigs.consumer(SERVICE, "c", Map.of()),
                ClientConfigs.readCommittedConsumer(SERVICE, "rc"), ClientConfigs.admin(SERVICE, "a")}) {
            assertThat(client).containsEntry("bootstrap.servers", "b:9093").containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "PLAIN").containsEntry("ssl.truststore.location", "/t")
                    .doesNotContainKeys("learner.lr", "schema.registry.url");
        }
    }

    @Test void prefixedOverridesReachOnlyTheirClientAndWin() {
        Map<String, Object> producer = ClientConfigs.producer(SERVICE, "p", Map.of("linger.ms", 5, "acks", "all"));
        assertThat(producer).containsEntry("linger.ms", "9").containsEntry("acks", "all").containsEntry("client.id", "p")
                .doesNotContainKeys("fetch.max.bytes", "retries");
        assertThat(ClientConfigs.readCommittedConsumer(SERVICE, "rc")).containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false).containsEntry("fetch.max.bytes", "1");
        assertThat(ClientConfigs.admin(SERVICE, null)).containsEntry("retries", "3").doesNotContainKey("client.id");
        assertThat(ClientConfigs.serde(SERVICE)).containsOnlyKeys("schema.registry.url");
    }

    @Test void transactionalProducersRetryAfterACommitSoonerUnlessTold() {
        Map<String, Object> txn = ClientConfigs.transactionalProducer(SERVICE, "p", "rltf.r.grader.g1",
                Map.of("transaction.timeout.ms", 60_000));
        assertThat(txn).containsEntry("transactional.id", "rltf.r.grader.g1").containsEntry("enable.idempotence", true)
                .containsEntry("acks", "all").containsEntry("retry.backoff.ms", ClientConfigs.TRANSACTION_RETRY_BACKOFF_MS)
                .containsEntry("transaction.timeout.ms", 60_000).containsEntry("linger.ms", "9");
        Map<String, Object> told = Map.of("bootstrap.servers", "b:9093", "retry.backoff.ms", "250");
        assertThat(ClientConfigs.transactionalProducer(told, "p", "t", Map.of())).containsEntry("retry.backoff.ms", "250");
        Map<String, Object> toldProducer = Map.of("bootstrap.servers", "b:9093", "producer.retry.backoff.ms", "50");
        assertThat(ClientConfigs.transactionalProducer(toldProducer, "p", "t", Map.of())).containsEntry("retry.backoff.ms", "50");
    }
}
