package org.rltf.kernel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Problem;
import org.rltf.kernel.RecordDecoder;

/**
 * A run's problems, read from the compacted {@code problems} topic into memory, in id order: the table every
 * service that needs problems keeps (grader: all of them, to grade; generator and learner: a split's).
 *
 * <p>The topic is read whole with its own consumer (no group, {@code read_committed}). {@link #catchUp} reads to
 * the topic's current end; {@link #poll} takes whatever has arrived, without waiting. A tombstone removes a
 * problem; so does a newer record of the same id that the filter rejects (it moved to another split). A record
 * that cannot be decoded goes to {@code onBad}: a service decides whether to dead-letter it or skip it. A schema
 * registry that cannot be reached fails the call, and the records not yet applied are read again by the next one.
 *
 * <p>Not thread-safe: one service thread reads and queries it.
 */
public final class ProblemTable implements AutoCloseable {
    /** What to do with a record of the problems topic that does not decode. */
    @FunctionalInterface
    public interface BadRecordHandler {
        void onBad(RecordDecoder.Bad<String, Problem> bad);
    }

    private final Consumer<byte[], byte[]> consumer;
    private final RecordDecoder<String, Problem> decoder;
    private final Deserializer<Problem> values;
    private final String topic;
    private final Predicate<Problem> filter;
    private final BadRecordHandler onBad;
    private final Duration timeout;
    private final NavigableMap<String, Problem> problems = new TreeMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long changes;

    ProblemTable(Consumer<byte[], byte[]> consumer, Deserializer<Problem> values, String topic, Predicate<Problem> filter,
                 BadRecordHandler onBad, Duration timeout) {
        this.consumer = Objects.requireNonNull(consumer);
        this.values = Objects.requireNonNull(values);
        this.decoder = new RecordDecoder<>(new StringDeserializer(), values);
        this.topic = Objects.requireNonNull(topic);
        this.filter = Objects.requireNonNull(filter);
        this.onBad = Objects.requireNonNull(onBad);
        this.timeout = Objects.requireNonNull(timeout);
    }

    /**
     * A table of {@code topic} read with a consumer built from the service's {@code config} (its common client keys
     * and {@code consumer.*} overrides apply) and {@code clientId}; {@code values} is a configured deserializer (closed
     * with the table). Keeps the problems {@code filter} accepts. {@code timeout} bounds each wait on the cluster.
     */
    public static ProblemTable open(Map<String, ?> config, String clientId, String topic, Deserializer<Problem> values,
                                    Predicate<Problem> filter, BadRecordHandler onBad, Duration timeout) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.readCommittedConsumer(config, clientId),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new ProblemTable(consumer, values, topic, filter, onBad, timeout);
    }

    /** Keeps the problems of these splits. */
    public static Predicate<Problem> splits(Set<String> splits) {
        Set<String> copy = Set.copyOf(splits);
        return p -> copy.contains(p.getSplit());
    }

    /** Reads the topic to its current (last stable) end; {@link TimeoutException} naming it if that takes too long. */
    public ProblemTable catchUp() {
        assignNewPartitions();
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Partitions.reached(consumer, end)) {
            if (System.nanoTime() > deadline)
                throw new TimeoutException("could not read " + topic + " to its end " + end + " within " + timeout);
            Partitions.handleOrRewind(consumer, consumer.poll(Duration.ofMillis(100)), this::apply);
        }
        return this;
    }

    /** Applies whatever records have arrived, without waiting; true when the table changed. */
    public boolean poll() {
        if (assigned.isEmpty()) assignNewPartitions();
        long before = changes;
        Partitions.handleOrRewind(consumer, consumer.poll(Duration.ZERO), this::apply);
        return changes != before;
    }

    private void assignNewPartitions() {
        Set<TopicPartition> fresh = new HashSet<>();
        for (TopicPartition tp : Partitions.of(consumer, topic, timeout)) if (assigned.add(tp)) fresh.add(tp);
        if (!fresh.isEmpty()) {
            consumer.assign(assigned);
            consumer.seekToBeginning(fresh);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.value() == null) { // a tombstone deletes the problem from the compacted topic
            if (raw.key() != null && problems.remove(new String(raw.key(), StandardCharsets.UTF_8)) != null) changes++;
            return;
        }
        RecordDecoder.Decoded<String, Problem> decoded = decoder.decode(raw);
        if (decoded instanceof RecordDecoder.Bad<String, Problem> bad) {
            onBad.onBad(bad);
            return;
        }
        Problem p = ((RecordDecoder.Good<String, Problem>) decoded).record().value();
        if (filter.test(p)) problems.put(p.getId(), p);
        else if (problems.remove(p.getId()) == null) return;
        changes++;
    }

    public Problem get(String id) { return problems.get(id); }

    public int size() { return problems.size(); }

    public boolean isEmpty() { return problems.isEmpty(); }

    /** The problems in id order (a read-only view). */
    public NavigableMap<String, Problem> byId() { return Collections.unmodifiableNavigableMap(problems); }

    /** The problems in id order, as a list copy. */
    public List<Problem> list() { return List.copyOf(problems.values()); }

    /** How many times the table has changed since it was opened: a cheap "is my derived view stale?" check. */
    public long changes() { return changes; }

    public String topic() { return topic; }

    @Override
    public void close() {
        Utils.closeQuietly(consumer, "problems consumer of " + topic);
        Utils.closeQuietly(values, "problems deserializer");
    }
}
