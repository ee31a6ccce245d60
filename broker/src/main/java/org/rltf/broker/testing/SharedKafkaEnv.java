package org.rltf.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.rltf.broker.LocalStack;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicLayoutConfig;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JVM's one broker + registry behind {@link KafkaExtension}. */
final class SharedKafkaEnv implements KafkaEnv {
    private static final Logger log = LoggerFactory.getLogger(SharedKafkaEnv.class);
    static final String MODE_PROPERTY = "rltf.test.kafka";

    private static SharedKafkaEnv instance;

    private final AutoCloseable resources;
    private final String bootstrapServers;
    private final String registryUrl;
    private final Admin admin;
    private final AtomicInteger runs = new AtomicInteger();
    private volatile boolean closed;

    private SharedKafkaEnv(AutoCloseable resources, String bootstrapServers, String registryUrl) {
        this.resources = resources;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    static synchronized SharedKafkaEnv get() {
        if (instance == null || instance.closed) {
            instance = start();
            SharedKafkaEnv started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kafka-extension-shutdown"));
        }
        return instance;
    }

    private static SharedKafkaEnv start() {
        String mode = System.getProperty(MODE_PROPERTY, "embedded");
        if (mode.equals("auto") || mode.equals("docker")) {
            SharedKafkaEnv docker = DockerKafka.startIfAvailable();
            if (docker != null) return docker;
            if (mode.equals("docker")) throw new IllegalStateException(MODE_PROPERTY + "=docker but no Docker engine (or no Testcontainers) is available");
            log.info("No Docker engine: using the embedded broker");
        } else if (!mode.equals("embedded")) {
            throw new IllegalArgumentException(MODE_PROPERTY + " must be embedded, auto or docker, not '" + mode + "'");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("rltf-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalStack stack = LocalStack.builder().dataDir(dir).start();
        AutoCloseable resources = () -> {
            stack.close();
            org.apache.kafka.common.utils.Utils.delete(dir.toFile());
        };
        return new SharedKafkaEnv(resources, stack.bootstrapServers(), stack.schemaRegistryUrl());
    }

    /** For the Docker path: a broker that runs elsewhere plus our registry on it. */
    static SharedKafkaEnv external(AutoCloseable broker, String bootstrapServers) {
        SchemaRegistryServer registry;
        try {
            registry = SchemaRegistryServer.start(bootstrapServers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SharedKafkaEnv(() -> {
            try {
                registry.close();
            } finally {
                broker.close();
            }
        }, bootstrapServers, registry.url());
    }

    /** What the root store closes; closing twice is harmless. */
    AutoCloseable closer() {
        return this::close;
    }

    synchronized void close() {
        if (closed) return;
        closed = true;
        admin.close();
        try {
            resources.close();
        } catch (Exception e) {
            log.warn("Error stopping the test broker", e);
        }
    }

    @Override public String bootstrapServers() { return bootstrapServers; }

    @Override public String schemaRegistryUrl() { return registryUrl; }

    @Override public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        return config;
    }

    @Override public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    @Override public String createRun(String prefix) {
        return createRun(prefix, Map.of());
    }

    @Override public String createRun(String prefix, Map<String, ?> layout) {
        String clean = (prefix == null ? "run" : prefix).replaceAll("[^A-Za-z0-9_-]", "-");
        if (clean.isEmpty()) clean = "run";
        if (clean.length() > 60) clean = clean.substring(0, 60);
        String run = clean + "-" + runs.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (TopicAdmin topics = new TopicAdmin(admin, new TopicLayoutConfig(layout))) {
            topics.createRun(Topics.forRun(run));
        }
        return run;
    }

    @Override public Admin admin() { return admin; }
}
