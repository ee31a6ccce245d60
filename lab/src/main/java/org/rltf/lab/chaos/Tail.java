package org.rltf.lab.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.kernel.ClientConfigs;
import org.rltf.schemas.Topics;

/**
 * Watches the run's output topics as the run goes (read_committed, from the start) and notes when each record
 * became visible, on the chaos run's clock: what the recovery times are measured from. Values are kept only for
 * feedback (whose grader id is read at the end, when the registry is surely up); the audit reads every topic again.
 */
final class Tail implements AutoCloseable {
    /** A committed record as it became visible: when (seconds into the run), where, its key, and feedback's value. */
    record Seen(double at, String topic, String key, byte[] value) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topics topics;
    private final long startNanos;
    private final List<Seen> seen = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closing;

    Tail(Map<String, Object> cluster, Topics topics, long startNanos) {
        this.topics = topics;
        this.startNanos = startNanos;
        this.consumer = new KafkaConsumer<>(ClientConfigs.readCommittedConsumer(cluster, "chaos-tail"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.samples(), topics.feedback(), topics.experience(), topics.learnerSteps(),
                topics.checkpoints()))
            consumer.partitionsFor(t, Duration.ofSeconds(60)).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::loop, "chaos-tail");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!closing) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    double at = (System.nanoTime() - startNanos) / 1e9;
                    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                    synchronized (seen) {
                        seen.add(new Seen(at, r.topic(), key, r.topic().equals(topics.feedback()) ? r.value() : null));
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // An outage: the consumer reconnects on the next poll.
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** What has been seen so far (a copy). */
    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    /** How many records of {@code topic} have been seen. */
    long count(String topic) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.topic().equals(topic)).count();
        }
    }

    @Override public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Utils.closeQuietly(consumer, "chaos tail consumer");
    }
}
