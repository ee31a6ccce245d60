package org.rltf.schemas;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Picks a Kafka client's own keys out of a service's whole config, so each client gets what it understands and
 * does not warn about the rest (a service config holds producer, consumer, serde and service keys side by side).
 */
public final class ClientConfigs {
    private ClientConfigs() {
    }

    public static Map<String, Object> producer(Map<String, ?> config) {
        return pick(config, ProducerConfig.configNames());
    }

    public static Map<String, Object> consumer(Map<String, ?> config) {
        return pick(config, ConsumerConfig.configNames());
    }

    public static Map<String, Object> admin(Map<String, ?> config) {
        return pick(config, AdminClientConfig.configNames());
    }

    private static Map<String, Object> pick(Map<String, ?> config, Set<String> names) {
        Map<String, Object> picked = new HashMap<>();
        config.forEach((k, v) -> {
            // Security settings are families (ssl.*, sasl.*) that configNames() lists only in part.
            if (names.contains(k) || k.startsWith("ssl.") || k.startsWith("sasl.")) picked.put(k, v);
        });
        return picked;
    }
}
