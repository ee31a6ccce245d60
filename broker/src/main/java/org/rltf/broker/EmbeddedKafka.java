package org.rltf.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (one process with the broker and controller roles), started in
 * this JVM from Kafka's own server classes: the storage is formatted as {@code kafka-storage format} does, then
 * {@link KafkaRaftServer} starts on it. A data directory that was formatted before is started as it is (topics,
 * offsets and transactions survive a restart).
 *
 * <p>Settings are those a one-broker cluster needs for consumer groups, transactions and Kafka Streams (replication
 * factor 1 everywhere, no initial rebalance delay), plus fewer threads and internal partitions than the defaults
 * so it starts quickly on a small machine. Topics are not auto-created: every rltf topic is created with its
 * layout by {@link org.rltf.kernel.TopicAdmin}, and a typo should fail rather than make a topic that deletes
 * data after seven days.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String advertisedHost;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private volatile boolean closed;

    private EmbeddedKafka(Builder builder) {
        try {
            this.deleteOnClose = builder.dataDir == null;
            this.dataDir = builder.dataDir != null ? builder.dataDir : Files.createTempDirectory("rltf-kafka-");
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the broker's data directory", e);
        }
        this.advertisedHost = builder.advertisedHost;
        this.port = builder.port > 0 ? builder.port : KraftNodes.freePort(builder.host);
        this.controllerPort = builder.controllerPort > 0 ? builder.controllerPort : KraftNodes.freePort(builder.host);

        // One node: every internal topic has one replica.
        Properties props = KraftNodes.nodeConfig(NODE_ID, NODE_ID + "@" + builder.host + ":" + controllerPort,
                builder.host, port, controllerPort, builder.advertisedHost, logDir(), 1, 1);
        props.putAll(builder.overrides);

        KafkaConfig config = KafkaConfig.fromProps(props, false);
        if (!KraftNodes.isFormatted(logDir())) KraftNodes.format(config, Uuid.randomUuid().toString(), logDir());
        this.server = new KafkaRaftServer(config, Time.SYSTEM);
        long start = System.nanoTime();
        try {
            server.startup();
            KraftNodes.awaitBrokers(bootstrapServers(), nodes -> !nodes.isEmpty(), Duration.ofSeconds(60), "Kafka broker");
        } catch (RuntimeException e) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        log.info("Kafka broker started at {} in {} ms (data {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), dataDir);
    }

    /** A broker on free loopback ports with a temporary data directory (deleted on close). */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private String host = "127.0.0.1";
        private String advertisedHost = "127.0.0.1";
        private final Map<String, String> overrides = new HashMap<>();

        /** Keeps the data here (kept on close; started as is if already formatted). Default: a temporary directory. */
        public Builder dataDir(Path dataDir) { this.dataDir = dataDir; return this; }
        /** Client port; 0 (default) picks a free one. */
        public Builder port(int port) { this.port = port; return this; }
        /** Controller port; 0 (default) picks a free one. */
        public Builder controllerPort(int port) { this.controllerPort = port; return this; }
        /** Interface to listen on (default 127.0.0.1; 0.0.0.0 for other machines, with {@link #advertisedHost}). */
        public Builder host(String host) { this.host = host; return this; }
        /** Host name clients are told to connect to (default 127.0.0.1). */
        public Builder advertisedHost(String host) { this.advertisedHost = host; return this; }
        /** Any broker setting, applied last. */
        public Builder config(String key, String value) { overrides.put(key, value); return this; }

        public EmbeddedKafka start() { return new EmbeddedKafka(this); }
    }

    private Path logDir() {
        return dataDir.resolve("kraft-logs");
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return advertisedHost + ":" + port;
    }

    public int port() { return port; }

    public Path dataDir() { return dataDir; }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        KraftNodes.withoutProcessExit(() -> {
            server.shutdown();
            server.awaitShutdown();
        });
        if (deleteOnClose) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                log.warn("Could not delete {}: {}", dataDir, e.toString());
            }
        }
        log.info("Kafka broker on port {} stopped", port);
    }
}
