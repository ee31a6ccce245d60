package org.rltf.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster of several KRaft nodes in this JVM, each with the broker and the controller role (every node
 * a voter of the quorum), for what one broker cannot show: a broker lost while clients go on, and back. Nodes are
 * numbered 1..n on loopback; internal topics, and topics created without a replication factor, get
 * {@code min(3, n)} replicas and {@code min.insync.replicas} one fewer (at least 1), the layout of the compose stack.
 *
 * <p>{@link #stop(int)} stops a node as a broker shutdown does (a controlled shutdown: the controller moves its
 * leaderships and drops it from the in-sync replicas first) and keeps its data; {@link #start(int)} starts it again
 * on the same ports and data directory, and it catches up from the leaders. Stopping more nodes than a majority
 * of the quorum can spare leaves the cluster without a controller; that is not checked. The data is in a temporary
 * directory, deleted on close.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final Map<Integer, Member> members = new TreeMap<>();
    private final String bootstrapServers;
    private boolean closed;

    /** One node: its fixed ports and settings, and its server while it runs. */
    private static final class Member {
        final int id;
        final int port;
        final Properties config;
        KafkaRaftServer server;

        Member(int id, int port, Properties config) {
            this.id = id;
            this.port = port;
            this.config = config;
        }
    }

    private EmbeddedCluster(Builder builder) {
        try {
            this.dataDir = Files.createTempDirectory("rltf-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the cluster's data directory", e);
        }
        int n = builder.nodes;
        int replication = Math.min(3, n);
        int minIsr = Math.max(1, replication - 1);
        Map<Integer, int[]> ports = new TreeMap<>();
        for (int id = 1; id <= n; id++) ports.put(id, new int[] {KraftNodes.freePort(HOST), KraftNodes.freePort(HOST)});
        String voters = ports.entrySet().stream().map(e -> e.getKey() + "@" + HOST + ":" + e.getValue()[1])
                .collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        for (var e : ports.entrySet()) {
            int id = e.getKey();
            Path logDir = dataDir.resolve("node-" + id);
            Properties props = KraftNodes.nodeConfig(id, voters, HOST, e.getValue()[0], e.getValue()[1], HOST, logDir,
                    replication, minIsr);
            props.putAll(builder.overrides);
            KraftNodes.format(KafkaConfig.fromProps(props, false), clusterId, logDir);
            members.put(id, new Member(id, e.getValue()[0], props));
        }
        this.bootstrapServers = members.values().stream().map(m -> HOST + ":" + m.port).collect(Collectors.joining(","));

        long start = System.nanoTime();
        try {
            startAll();
            KraftNodes.awaitBrokers(bootstrapServers, nodes -> nodes.size() == n, READY_TIMEOUT, n + " Kafka brokers");
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        log.info("Kafka cluster of {} nodes started at {} in {} ms (data {})", n, bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), dataDir);
    }

    /** Three nodes. */
    public static EmbeddedCluster start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int nodes = 3;
        private final Map<String, String> overrides = new HashMap<>();

        /** How many nodes (default 3). */
        public Builder nodes(int nodes) {
            if (nodes < 1) throw new IllegalArgumentException("a cluster needs at least one node, not " + nodes);
            this.nodes = nodes;
            return this;
        }

        /** Any broker setting, applied last to every node. */
        public Builder config(String key, String value) { overrides.put(key, value); return this; }

        public EmbeddedCluster start() { return new EmbeddedCluster(this); }
    }

    /**
     * Starts every node at once: a node's startup returns only once its broker has caught up with the controller
     * quorum, which needs a majority of the voters running, so one at a time would wait forever on the first.
     */
    private void startAll() {
        List<Thread> threads = new ArrayList<>();
        Map<Integer, RuntimeException> failures = new TreeMap<>();
        for (Member m : members.values()) {
            Thread t = new Thread(() -> {
                try {
                    startServer(m);
                } catch (RuntimeException e) {
                    synchronized (failures) {
                        failures.put(m.id, e);
                    }
                }
            }, "embedded-cluster-start-" + m.id);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while starting the cluster", e);
            }
        }
        if (!failures.isEmpty()) {
            var first = failures.entrySet().iterator().next();
            KafkaException e = new KafkaException("Node " + first.getKey() + " did not start: " + first.getValue().getMessage(),
                    first.getValue());
            failures.values().stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private void startServer(Member m) {
        // A fresh KafkaConfig each start: a server keeps its dynamic configuration in the one it is given.
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(m.config, false), Time.SYSTEM);
        synchronized (m) {
            m.server = server;
        }
        server.startup();
    }

    private Member member(int nodeId) {
        Member m = members.get(nodeId);
        if (m == null) throw new IllegalArgumentException("no node " + nodeId + " (nodes " + members.keySet() + ")");
        return m;
    }

    /** {@code host:port} of every node, for {@code bootstrap.servers}; a client needs only one of them up. */
    public String bootstrapServers() { return bootstrapServers; }

    /** The node ids, 1..n. */
    public Set<Integer> nodeIds() { return Set.copyOf(members.keySet()); }

    /** The client port of node {@code nodeId}. */
    public int port(int nodeId) { return member(nodeId).port; }

    public Path dataDir() { return dataDir; }

    /** Whether node {@code nodeId} is running (started and not stopped). */
    public synchronized boolean isRunning(int nodeId) {
        Member m = member(nodeId);
        synchronized (m) {
            return m.server != null;
        }
    }

    /** Stops node {@code nodeId} (a controlled shutdown), keeping its data; returns when it is down. */
    public synchronized void stop(int nodeId) {
        Member m = member(nodeId);
        KafkaRaftServer server;
        synchronized (m) {
            server = m.server;
            m.server = null;
        }
        if (server == null) throw new IllegalStateException("node " + nodeId + " is not running");
        long start = System.nanoTime();
        KraftNodes.withoutProcessExit(() -> {
            server.shutdown();
            server.awaitShutdown();
        });
        log.info("Kafka node {} stopped in {} ms", nodeId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Starts node {@code nodeId} again on its ports and data directory; returns once its broker is registered and
     * unfenced (its replicas may still be catching up: see {@link #awaitInSync}).
     */
    public synchronized void start(int nodeId) {
        Member m = member(nodeId);
        if (isRunning(nodeId)) throw new IllegalStateException("node " + nodeId + " is already running");
        long start = System.nanoTime();
        try {
            startServer(m);
            KraftNodes.awaitBrokers(bootstrapServers, nodes -> nodes.stream().anyMatch(node -> node.id() == nodeId),
                    READY_TIMEOUT, "Kafka node " + nodeId);
        } catch (RuntimeException e) {
            stopQuietly(m, e);
            throw e;
        }
        log.info("Kafka node {} started again in {} ms", nodeId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Waits until every partition of every topic, internal ones included, has all of its replicas in sync: after a
     * {@link #start(int)}, that is when the node has caught up.
     */
    public void awaitInSync(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000))) {
            List<String> lagging = List.of();
            while (System.nanoTime() < deadline) {
                try {
                    lagging = underReplicated(admin);
                    if (lagging.isEmpty()) return;
                } catch (ExecutionException | TimeoutException e) {
                    lagging = List.of(e.toString());
                }
                Thread.sleep(200);
            }
            throw new KafkaException("Not every replica in sync after " + timeout + ": " + lagging);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted waiting for the replicas to be in sync", e);
        }
    }

    private static List<String> underReplicated(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS);
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        List<String> lagging = new ArrayList<>();
        for (TopicDescription d : described.values())
            for (TopicPartitionInfo p : d.partitions())
                if (p.isr().size() < p.replicas().size())
                    lagging.add(d.name() + "-" + p.partition() + " isr " + p.isr().stream().map(Node::id).toList()
                            + " of " + p.replicas().stream().map(Node::id).toList());
        return lagging;
    }

    private static void stopQuietly(Member m, RuntimeException cause) {
        KafkaRaftServer server;
        synchronized (m) {
            server = m.server;
            m.server = null;
        }
        if (server == null) return;
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Stops every running node at once: one after another, the last broker's controlled shutdown would wait (five
     * minutes) for a controller quorum that the earlier nodes took with them.
     */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        List<KafkaRaftServer> running = new ArrayList<>();
        for (Member m : members.values()) {
            synchronized (m) {
                if (m.server != null) running.add(m.server);
                m.server = null;
            }
        }
        KraftNodes.withoutProcessExit(() -> {
            List<Thread> stopping = new ArrayList<>();
            for (KafkaRaftServer server : running) {
                Thread t = new Thread(() -> {
                    server.shutdown();
                    server.awaitShutdown();
                }, "embedded-cluster-stop");
                t.start();
                stopping.add(t);
            }
            for (Thread t : stopping) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        });
        try {
            Utils.delete(dataDir.toFile());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dataDir, e.toString());
        }
        log.info("Kafka cluster at {} stopped", bootstrapServers);
    }
}
