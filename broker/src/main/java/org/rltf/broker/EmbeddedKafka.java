package org.rltf.broker;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
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
        this.port = builder.port > 0 ? builder.port : freePort(builder.host);
        this.controllerPort = builder.controllerPort > 0 ? builder.controllerPort : freePort(builder.host);

        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + builder.host + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + builder.host + ":" + port + ",CONTROLLER://" + builder.host + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + builder.advertisedHost + ":" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir().toString());
        // One node: every internal topic has one replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // Fewer internal partitions and threads: the defaults (50 partitions, 8 I/O threads) are for big clusters
        // and slow the first consumer group and the first transaction by seconds on two cores.
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.num.partitions", "4");
        props.put("num.io.threads", "4");
        props.put("num.network.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("background.threads", "4");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        props.putAll(builder.overrides);

        KafkaConfig config = KafkaConfig.fromProps(props, false);
        formatIfNeeded(config);
        this.server = new KafkaRaftServer(config, Time.SYSTEM);
        long start = System.nanoTime();
        try {
            server.startup();
            awaitReady(Duration.ofSeconds(60));
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

    /** Formats the storage the first time; a formatted directory (meta.properties present) keeps its cluster id. */
    private void formatIfNeeded(KafkaConfig config) {
        if (Files.exists(logDir().resolve("meta.properties"))) return;
        try {
            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(config.nodeId())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(config.logDirs());
            // No release version: the Formatter then writes the latest production metadata version, as
            // kafka-storage format does without --release-version.
            formatter.run();
        } catch (Exception e) {
            throw new KafkaException("Could not format Kafka storage in " + logDir() + ": " + e.getMessage(), e);
        }
    }

    /** Startup returns before the broker has registered with the controller; wait until a client sees it. */
    private void awaitReady(Duration timeout) {
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline)
                        throw new KafkaException("Kafka broker at " + bootstrapServers() + " did not become ready in " + timeout, e);
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        throw new KafkaException("Interrupted waiting for the broker", e);
                    }
                }
            }
        }
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + host, e);
        }
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
        server.shutdown();
        server.awaitShutdown();
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
