package org.rltf.broker;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import kafka.server.KafkaConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link EmbeddedKafka} and {@link EmbeddedCluster} share: the settings of one combined broker + controller
 * node, formatting its storage, waiting for brokers to be registered, and free ports.
 */
final class KraftNodes {
    private static final Logger log = LoggerFactory.getLogger(KraftNodes.class);
    private static int stopping; // guarded by KraftNodes.class

    private KraftNodes() {
    }

    /**
     * Runs {@code shutdown} (a node's shutdown) with Kafka's process exit and halt turned into a log line. A node's
     * metadata loader that is still reading its log when the shutdown closes the log's file fails with a "fatal fault",
     * and Kafka's fault handler then halts the process: in this JVM that would take the lab, or a test fork, with it
     * (seen once in ThreeBrokerTest's final close, on two loaded cores). While any node is stopping, a real fatal fault
     * elsewhere in this JVM is logged instead of ending it.
     */
    static void withoutProcessExit(Runnable shutdown) {
        synchronized (KraftNodes.class) {
            if (stopping++ == 0) {
                Exit.Procedure logged = (status, message) -> log.warn("Kafka asked to end the process (status {}) while "
                        + "an embedded node was stopping; ignored: {}", status, message);
                Exit.setExitProcedure(logged);
                Exit.setHaltProcedure(logged);
            }
        }
        try {
            shutdown.run();
        } finally {
            synchronized (KraftNodes.class) {
                if (--stopping == 0) {
                    Exit.resetExitProcedure();
                    Exit.resetHaltProcedure();
                }
            }
        }
    }

    /**
     * The settings of node {@code nodeId} of a KRaft quorum ({@code voters}, as {@code controller.quorum.voters}),
     * whose internal topics and created topics get {@code replication} replicas and {@code minIsr} in-sync ones.
     * Fewer internal partitions and threads than the defaults (50 partitions, 8 I/O threads): those are for big
     * clusters and slow the first consumer group and the first transaction by seconds on two cores.
     */
    static Properties nodeConfig(int nodeId, String voters, String host, int port, int controllerPort,
                                 String advertisedHost, Path logDir, int replication, int minIsr) {
        String rf = Integer.toString(replication);
        String isr = Integer.toString(minIsr);
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put("controller.quorum.voters", voters);
        props.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + advertisedHost + ":" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("offsets.topic.replication.factor", rf);
        props.put("transaction.state.log.replication.factor", rf);
        props.put("transaction.state.log.min.isr", isr);
        props.put("share.coordinator.state.topic.replication.factor", rf);
        props.put("share.coordinator.state.topic.min.isr", isr);
        props.put("default.replication.factor", rf);
        props.put("min.insync.replicas", isr);
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.num.partitions", "4");
        props.put("num.io.threads", "4");
        props.put("num.network.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("background.threads", "4");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        return props;
    }

    /** Whether {@code logDir} was formatted before (it then keeps its cluster id, topics and offsets). */
    static boolean isFormatted(Path logDir) {
        return Files.exists(logDir.resolve("meta.properties"));
    }

    /** Formats {@code config}'s storage for cluster {@code clusterId}, as {@code kafka-storage format} does. */
    static void format(KafkaConfig config, String clusterId, Path logDir) {
        try {
            Formatter formatter = new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setClusterId(clusterId)
                    .setNodeId(config.nodeId())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(config.logDirs());
            // No release version: the Formatter then writes the latest production metadata version, as
            // kafka-storage format does without --release-version.
            formatter.run();
        } catch (Exception e) {
            throw new KafkaException("Could not format Kafka storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the brokers a client of {@code bootstrap} sees (registered and unfenced) satisfy {@code ready}:
     * a node's startup returns before its broker has registered with the controller.
     */
    static void awaitBrokers(String bootstrap, Predicate<Collection<Node>> ready, Duration timeout, String what) {
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(config)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                try {
                    if (ready.test(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))) return;
                    last = null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("Interrupted waiting for " + what, e);
                } catch (Exception e) {
                    last = e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("Interrupted waiting for " + what, e);
                }
            }
            throw new KafkaException(what + " at " + bootstrap + " not ready in " + timeout, last);
        }
    }

    static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + host, e);
        }
    }
}
