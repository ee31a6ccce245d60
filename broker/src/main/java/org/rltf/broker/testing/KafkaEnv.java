package org.rltf.broker.testing;

import java.util.Map;

import org.apache.kafka.clients.admin.Admin;

/**
 * What a test gets from {@link KafkaExtension}: the JVM's shared broker and schema registry, and fresh runs on
 * them. Each test makes its own run ({@link #createRun}), so tests never see each other's records.
 */
public interface KafkaEnv {

    String bootstrapServers();

    String schemaRegistryUrl();

    /** {@code bootstrap.servers} and {@code schema.registry.url}; a new mutable map each call. */
    Map<String, Object> clientConfig();

    /** {@link #clientConfig()} plus a group id, reading from the earliest offset, without auto-commit. */
    Map<String, Object> consumerConfig(String groupId);

    /**
     * A new run named {@code <prefix>-<n>-<random>} (the prefix cleaned to legal characters) with all of its topics
     * created by {@link org.rltf.kernel.TopicAdmin} in the default layout.
     */
    String createRun(String prefix);

    /** Like {@link #createRun(String)} with {@link org.rltf.kernel.TopicLayoutConfig} overrides (e.g. topics.partitions). */
    String createRun(String prefix, Map<String, ?> layout);

    /** An admin client shared by the tests; do not close it. */
    Admin admin();
}
