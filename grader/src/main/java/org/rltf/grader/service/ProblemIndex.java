package org.rltf.grader.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Deserializer;
import org.rltf.events.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's problems, read from the compacted problems topic into memory. The topic is read whole
 * (no consumer group) and only caught up to its end when asked, which the service does before a batch
 * that names a problem it has not seen. A tombstone removes a problem; a record that does not decode is
 * logged and skipped (every grader reads the whole topic, so dead-lettering it here would repeat the
 * dead letter once per instance and restart; the samples that need it are dead-lettered instead).
 */
final class ProblemIndex implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProblemIndex.class);

    private final Consumer<String, byte[]> consumer;
    private final Deserializer<Problem> deserializer;
    private final String topic;
    private final Duration catchUpTimeout;
    private final Map<String, Problem> problems = new HashMap<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long malformed;

    ProblemIndex(Consumer<String, byte[]> consumer, Deserializer<Problem> deserializer, String topic, Duration catchUpTimeout) {
        this.consumer = consumer;
        this.deserializer = deserializer;
        this.topic = topic;
        this.catchUpTimeout = catchUpTimeout;
    }

    Problem get(String id) {
        return problems.get(id);
    }

    int size() {
        return problems.size();
    }

    /** Reads the problems topic up to its current (last stable) end. */
    void catchUp() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, catchUpTimeout);
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("problems topic " + topic + " does not exist");
        }
        Set<TopicPartition> fresh = new HashSet<>();
        for (PartitionInfo p : partitions) {
            TopicPartition tp = new TopicPartition(p.topic(), p.partition());
            if (assigned.add(tp)) fresh.add(tp);
        }
        if (!fresh.isEmpty()) {
            consumer.assign(assigned);
            consumer.seekToBeginning(fresh);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, catchUpTimeout);
        long deadline = System.nanoTime() + catchUpTimeout.toNanos();
        int before = problems.size();
        while (!caughtUp(end)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("could not read " + topic + " to its end " + end + " within " + catchUpTimeout);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                apply(record);
            }
        }
        if (problems.size() != before) {
            log.info("Read {} to its end: {} problems known", topic, problems.size());
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), catchUpTimeout) < e.getValue()) return false;
        }
        return true;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            if (record.key() != null) problems.remove(record.key());
            return;
        }
        try {
            Problem problem = deserializer.deserialize(record.topic(), record.headers(), record.value());
            problems.put(problem.getId(), problem);
        } catch (RuntimeException e) {
            malformed++;
            log.warn("Skipping undecodable problem at {}-{}@{} (key {}): {} ({} skipped so far)", record.topic(),
                    record.partition(), record.offset(), record.key(), e.getMessage(), malformed);
        }
    }

    @Override
    public void close() {
        consumer.close();
        deserializer.close();
    }
}
