package org.rltf.kernel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.rltf.schemas.Topics;

/**
 * Creates a run's topics, idempotently: topics that exist are left as they are (and checked for
 * co-partitioning), missing ones are created with the layout of {@link TopicLayoutConfig}.
 *
 * <ul>
 *   <li>problems: compacted (the latest version of each problem wins);</li>
 *   <li>samples, feedback, experience: the same partition count, delete policy with no time or size limit;</li>
 *   <li>checkpoints, learner-steps, evaluations: {@code topics.log.partitions} (1) partitions, kept whole;</li>
 *   <li>dead-letter: {@code topics.log.partitions}, retention {@code topics.dead.letter.retention.ms}.</li>
 * </ul>
 */
public final class TopicAdmin implements AutoCloseable {
    private static final long TIMEOUT_MS = 60_000;

    private final Admin admin;
    private final boolean ownsAdmin;
    private final TopicLayoutConfig layout;

    /** Uses {@code admin} (not closed by {@link #close()}) and the given layout. */
    public TopicAdmin(Admin admin, TopicLayoutConfig layout) {
        this(admin, false, layout);
    }

    private TopicAdmin(Admin admin, boolean ownsAdmin, TopicLayoutConfig layout) {
        this.admin = admin;
        this.ownsAdmin = ownsAdmin;
        this.layout = layout;
    }

    /** An admin client built from {@code config} (needs {@code bootstrap.servers}); the layout from the same map. */
    public static TopicAdmin create(Map<String, ?> config) {
        return new TopicAdmin(Admin.create(ClientConfigs.admin(config, null)), true, new TopicLayoutConfig(config));
    }

    public Admin admin() { return admin; }

    public TopicLayoutConfig layout() { return layout; }

    /** The topics of a run as this layout creates them. */
    public List<NewTopic> newTopics(Topics topics) {
        Optional<Short> rf = layout.replicationFactor() == -1 ? Optional.empty() : Optional.of(layout.replicationFactor());
        String retention = Long.toString(layout.retentionMs());
        Map<String, String> kept = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, retention,
                TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        List<NewTopic> result = new ArrayList<>();
        result.add(new NewTopic(topics.problems(), Optional.of(layout.partitions()), rf)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        for (String t : List.of(topics.samples(), topics.feedback(), topics.experience()))
            result.add(new NewTopic(t, Optional.of(layout.partitions()), rf).configs(kept));
        for (String t : List.of(topics.checkpoints(), topics.learnerSteps(), topics.evaluations()))
            result.add(new NewTopic(t, Optional.of(layout.logPartitions()), rf).configs(kept));
        result.add(new NewTopic(topics.deadLetter(), Optional.of(layout.logPartitions()), rf).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(layout.deadLetterRetentionMs()),
                TopicConfig.RETENTION_BYTES_CONFIG, "-1")));
        return result;
    }

    /** {@link #createRun(Topics)} for {@code Topics.forRun(run)}. */
    public Set<String> createRun(String run) {
        return createRun(Topics.forRun(run));
    }

    /**
     * Creates whatever topics of the run are missing and returns their names, once every topic of the run is
     * visible to clients. Throws {@link IllegalStateException} if samples, feedback and experience exist with
     * different partition counts (the join would be wrong).
     */
    public Set<String> createRun(Topics topics) {
        Set<String> created = createIfMissing(admin, newTopics(topics));
        Map<String, TopicDescription> all = awaitVisible(topics.all());
        Map<String, TopicDescription> described = new java.util.TreeMap<>();
        for (String t : List.of(topics.samples(), topics.feedback(), topics.experience())) described.put(t, all.get(t));
        Set<Integer> counts = new HashSet<>();
        described.values().forEach(d -> counts.add(d.partitions().size()));
        if (counts.size() != 1)
            throw new IllegalStateException("Topics of run '" + topics.run() + "' are not co-partitioned: "
                    + describedCounts(described) + "; samples, feedback and experience need the same partition count");
        return created;
    }

    /**
     * The partition count of the run's samples and feedback topics, which must exist and be co-partitioned: what
     * {@link Partitions#ofProblem} divides by. Waits as {@link #awaitVisible} does for topics just created.
     */
    public int eventPartitions(Topics topics) {
        List<String> names = List.of(topics.samples(), topics.feedback());
        Map<String, TopicDescription> described;
        try {
            described = awaitVisible(names);
        } catch (KafkaException e) {
            throw new KafkaException("Cannot read the partitions of " + names + " (create the run's topics first: "
                    + "rltf import): " + e.getMessage(), e);
        }
        int samples = described.get(topics.samples()).partitions().size();
        int feedback = described.get(topics.feedback()).partitions().size();
        if (samples != feedback)
            throw new IllegalStateException("Topics of run '" + topics.run() + "' are not co-partitioned: "
                    + describedCounts(new java.util.TreeMap<>(described)) + "; samples and feedback need the same "
                    + "partition count");
        return samples;
    }

    /** Creates each topic that does not exist yet; returns the names it created. Shared with the schema registry. */
    public static Set<String> createIfMissing(Admin admin, List<NewTopic> topics) {
        Set<String> created = new HashSet<>();
        var result = admin.createTopics(topics);
        for (var e : result.values().entrySet()) {
            try {
                e.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                created.add(e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException))
                    throw new KafkaException("Could not create topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex.getCause());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while creating topic " + e.getKey(), ex);
            } catch (TimeoutException ex) {
                throw new KafkaException("Timed out creating topic " + e.getKey() + " after " + TIMEOUT_MS + " ms", ex);
            }
        }
        return created;
    }

    /**
     * Describes the topics, waiting while the broker does not know them yet or a partition has no leader: a topic
     * the controller just created reaches the brokers' metadata a moment later, and clients that use it before then
     * only see errors and retry. Those retries are not harmless: an idempotent producer whose first batches to a
     * just-created topic came back NOT_LEADER_OR_FOLLOWER was seen resending them as out of order and failing the
     * lab's problem import on a loaded machine.
     */
    public Map<String, TopicDescription> awaitVisible(List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            try {
                Map<String, TopicDescription> described = describe(names);
                if (everyPartitionLed(described)) return described;
                if (System.nanoTime() > deadline)
                    throw new KafkaException("Timed out after " + TIMEOUT_MS + " ms waiting for a leader of every "
                            + "partition of " + names);
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) throw e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while waiting for " + names, e);
            }
        }
    }

    private static boolean everyPartitionLed(Map<String, TopicDescription> described) {
        for (TopicDescription d : described.values())
            for (var p : d.partitions())
                if (p.leader() == null || p.leader().isEmpty()) return false;
        return true;
    }

    private Map<String, TopicDescription> describe(List<String> names) {
        try {
            return admin.describeTopics(names).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException("Could not describe " + names + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while describing " + names, e);
        } catch (TimeoutException e) {
            throw new KafkaException("Timed out describing " + names, e);
        }
    }

    private static String describedCounts(Map<String, TopicDescription> described) {
        StringBuilder sb = new StringBuilder();
        described.forEach((name, d) -> sb.append(sb.length() == 0 ? "" : ", ").append(name).append('=').append(d.partitions().size()));
        return sb.toString();
    }

    @Override public void close() {
        if (ownsAdmin) admin.close();
    }
}
