package org.rltf.lab.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one topic from its beginning on its own thread and records when each record arrived: per phase (the part
 * of the key before its first '/'), the distinct keys seen, the latency of each (arrival wall clock minus the record
 * timestamp, which every hop of the pipeline carries over from the sample) and the last arrival. A key seen again
 * counts once: exactly once means it never should be.
 */
final class ArrivalTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ArrivalTail.class);

    /** What arrived of one phase. */
    static final class Phase {
        private final Set<String> keys = new HashSet<>();
        private long[] latencies = new long[1024];
        private int n;
        private long lastArrivalMs;
        private long bytes;
        private long duplicates;

        private synchronized void arrived(String key, long latencyMs, long arrivalMs, int size) {
            if (!keys.add(key)) {
                duplicates++;
                return;
            }
            if (n == latencies.length) latencies = Arrays.copyOf(latencies, n * 2);
            latencies[n++] = latencyMs;
            lastArrivalMs = arrivalMs;
            bytes += size;
        }

        synchronized int count() { return n; }
        synchronized long lastArrivalMs() { return lastArrivalMs; }
        synchronized long duplicates() { return duplicates; }
        synchronized double meanBytes() { return n == 0 ? 0 : (double) bytes / n; }

        /** The q-quantile (0..1) of the latencies, ms (nearest rank); NaN before anything arrived. */
        synchronized double quantileMs(double q) {
            if (n == 0) return Double.NaN;
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(q * n) - 1;
            return sorted[Math.max(0, Math.min(n - 1, rank))];
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Phase> phases = new ConcurrentHashMap<>();
    private final Thread thread;
    private final LongSupplier clock = System::currentTimeMillis;
    private volatile boolean closing;
    private volatile Throwable failure;

    /** Starts reading {@code topic} with a consumer of {@code consumerConfig} (no group: all partitions, assigned). */
    ArrivalTail(Map<String, Object> consumerConfig, String topic) {
        this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        try {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(60)))
                partitions.add(new TopicPartition(topic, p.partition()));
            if (partitions.isEmpty()) throw new IllegalStateException("Topic " + topic + " has no partitions");
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            for (TopicPartition tp : partitions) consumer.position(tp, Duration.ofSeconds(60)); // positioned before any send
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        this.thread = new Thread(this::loop, "bench-tail-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = clock.getAsLong();
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    int slash = key.indexOf('/');
                    phase(slash < 0 ? key : key.substring(0, slash))
                            .arrived(key, now - r.timestamp(), now, r.value() == null ? 0 : r.value().length);
                }
            }
        } catch (WakeupException e) {
            if (!closing) failure = e;
        } catch (RuntimeException e) {
            failure = e;
            log.error("Tail stopped", e);
        } finally {
            consumer.close();
        }
    }

    Phase phase(String name) {
        return phases.computeIfAbsent(name, k -> new Phase());
    }

    /**
     * Waits until {@code count} distinct keys of {@code phase} have arrived; throws, naming what is missing, when
     * nothing new arrived for {@code stall}.
     */
    void await(String phase, int count, Duration stall, Runnable progress) {
        Phase p = phase(phase);
        int seen = -1;
        long lastProgress = System.nanoTime();
        long lastReport = System.nanoTime();
        while (p.count() < count) {
            if (failure != null) throw new IllegalStateException("The tail of the pipeline failed", failure);
            int now = p.count();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                throw new IllegalStateException("Phase " + phase + ": " + now + " of " + count + " records arrived, "
                        + "none for " + stall.toSeconds() + " s");
            }
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                lastReport = System.nanoTime();
                progress.run();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for phase " + phase, e);
            }
        }
    }

    @Override
    public void close() {
        if (closing) return; // closed already (the bench closes its hop tails early, then again with the rest)
        closing = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
