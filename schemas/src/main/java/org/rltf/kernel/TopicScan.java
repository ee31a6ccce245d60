package org.rltf.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a run's recorded topic once, from its beginning to the end it had when the scan started, as the tools that
 * work from the log do ({@code rltf replay}, {@code rltf regrade}, {@code rltf tail}, the dashboard): a
 * {@code read_committed} consumer without a group, so a scan never commits an offset, never joins or disturbs a
 * group of the run, and sees a transactional period whole or not at all.
 */
public final class TopicScan {
    private static final Duration POLL = Duration.ofMillis(200);

    private TopicScan() {
    }

    /**
     * Hands every committed record of {@code topic} (as raw bytes) to {@code handler}, in offset order per
     * partition, up to the end offsets read when the scan starts.
     *
     * @param config   the caller's whole configuration (bootstrap.servers and any common client keys)
     * @param clientId the scanning consumer's client id
     * @param timeout  the most time the scan may take; a {@link TimeoutException} names the topic after it
     */
    public static void forEach(Map<String, ?> config, String clientId, String topic, Duration timeout,
                               Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                ClientConfigs.readCommittedConsumer(config, clientId), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(consumer, List.of(topic), timeout);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (!Partitions.reached(consumer, ends)) {
                if (System.nanoTime() > deadline)
                    throw new TimeoutException("could not read " + topic + " to its end " + ends + " within " + timeout);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) handler.accept(r);
            }
        }
    }

    /** Every committed record of {@code topic}, ordered by timestamp, then partition and offset (event order). */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, ?> config, String clientId, String topic,
                                                               Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        forEach(config, clientId, topic, timeout, out::add);
        out.sort(Comparator.comparingLong(ConsumerRecord<byte[], byte[]>::timestamp)
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        return out;
    }
}
