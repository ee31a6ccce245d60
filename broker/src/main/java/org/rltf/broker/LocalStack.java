package org.rltf.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.schemas.serde.AvroSerdeConfig;

/**
 * The single-machine default: an {@link EmbeddedKafka} broker and a {@link SchemaRegistryServer} storing its
 * schemas in that broker. Close it to stop both (registry first).
 */
public final class LocalStack implements AutoCloseable {
    private final EmbeddedKafka broker;
    private final SchemaRegistryServer registry;
    private final String advertisedHost;

    private LocalStack(EmbeddedKafka broker, SchemaRegistryServer registry, String advertisedHost) {
        this.broker = broker;
        this.registry = registry;
        this.advertisedHost = advertisedHost;
    }

    /** Free loopback ports, temporary data directory. */
    public static LocalStack start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final EmbeddedKafka.Builder broker = EmbeddedKafka.builder();
        private int registryPort;
        private String registryHost = "127.0.0.1";
        private String advertisedHost = "127.0.0.1";

        /** See {@link EmbeddedKafka.Builder#dataDir}. */
        public Builder dataDir(Path dir) { broker.dataDir(dir); return this; }
        /** Broker client port; 0 (default) picks a free one. */
        public Builder port(int port) { broker.port(port); return this; }
        /** Registry HTTP port; 0 (default) picks a free one. */
        public Builder registryPort(int port) { this.registryPort = port; return this; }
        /** Interface both listen on (default 127.0.0.1). */
        public Builder host(String host) { broker.host(host); this.registryHost = host; return this; }
        /** Host name the broker advertises to clients. */
        public Builder advertisedHost(String host) { broker.advertisedHost(host); this.advertisedHost = host; return this; }
        /** Any broker setting. */
        public Builder brokerConfig(String key, String value) { broker.config(key, value); return this; }

        public LocalStack start() {
            EmbeddedKafka kafka = broker.start();
            try {
                SchemaRegistryServer registry = SchemaRegistryServer.start(Map.of(
                        SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        SchemaRegistryConfig.LISTENERS_CONFIG, "http://" + registryHost + ":" + registryPort));
                return new LocalStack(kafka, registry, advertisedHost);
            } catch (IOException | RuntimeException e) {
                kafka.close();
                if (e instanceof IOException io) throw new UncheckedIOException("Could not start the schema registry", io);
                throw (RuntimeException) e;
            }
        }
    }

    public EmbeddedKafka broker() { return broker; }

    public SchemaRegistryServer registry() { return registry; }

    public String bootstrapServers() { return broker.bootstrapServers(); }

    /** The registry's URL, with the advertised host in place of a wildcard listen address. */
    public String schemaRegistryUrl() {
        return "http://" + advertisedHost + ":" + registry.port();
    }

    /** {@code bootstrap.servers} and {@code schema.registry.url}: what every client of the stack needs. A new mutable map. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl());
        return config;
    }

    @Override public void close() {
        try {
            registry.close();
        } finally {
            broker.close();
        }
    }
}
