package org.rltf.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Partition plumbing every service needs: a topic's partitions, assigning from the start, and "read to the end". */
public final class Partitions {
    private Partitions() {
    }

    /**
     * The partition of {@code samples} and {@code feedback} that holds every event of problem
     * {@code problemId}: Kafka's default partitioner's choice for the problem id as the key (murmur2 of its UTF-8
     * bytes), so any Java client, or librdkafka's {@code murmur2_random}, computes the same. The events stay keyed by
     * sample id (the buffer joins on it) but are partitioned by problem, so that the one task that joins a sample
     * with its feedback also sees the rest of its problem's group and computes the baseline without a repartition
     * hop (README.md "Topics"). The generator sends each sample to this partition, the grader each feedback to its
     * sample's, and the buffer dead-letters a sample or feedback found anywhere else. The buffer's experience topic
     * keeps Kafka's default partitioning by its sample-id key: nothing downstream groups it by problem.
     */
    public static int ofProblem(String problemId, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(problemId.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % partitions;
    }

    /**
     * The partitions of {@code topic}; {@link UnknownTopicOrPartitionException} naming it when it does not exist
     * (a run's topics are created by {@code rltf import} or the lab before any service starts).
     */
    public static List<TopicPartition> of(Consumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty())
            throw new UnknownTopicOrPartitionException("Topic " + topic
                    + " does not exist: create the run's topics first (rltf import)");
        List<TopicPartition> tps = new ArrayList<>(infos.size());
        for (PartitionInfo info : infos) tps.add(new TopicPartition(topic, info.partition()));
        tps.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
        return tps;
    }

    /** Assigns every partition of {@code topics} to {@code consumer} (no group) and seeks to their beginning. */
    public static List<TopicPartition> assignFromBeginning(Consumer<?, ?> consumer, Collection<String> topics,
                                                           Duration timeout) {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : topics) all.addAll(of(consumer, topic, timeout));
        consumer.assign(all);
        consumer.seekToBeginning(all);
        return all;
    }

    /**
     * The high watermarks of {@code partitions}, from a short-lived read_uncommitted consumer built from a service's
     * {@code config}. A read_committed reader that reads up to them has seen every transaction that was open or
     * finishing when this was called (a commit returns before its markers are written, and the last stable offset a
     * read_committed consumer's endOffsets gives stops at the first open transaction), so what was committed before
     * is never missed.
     */
    public static Map<TopicPartition, Long> highWatermarks(Map<String, ?> config, String clientId,
                                                           Collection<TopicPartition> partitions, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(ClientConfigs.consumer(config, clientId, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false)), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(partitions, timeout);
        }
    }

    /** Whether {@code consumer}'s position has reached {@code ends} on every partition. */
    public static boolean reached(Consumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet())
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    /**
     * Hands the records of one poll to {@code handler} in order. If it throws (say, the schema registry cannot be
     * reached to decode one), every partition of the poll goes back to its first record not handled, so the next
     * poll returns those records again, and the exception is rethrown: a failure never skips a record.
     */
    public static <K, V> void handleOrRewind(Consumer<K, V> consumer, ConsumerRecords<K, V> records,
                                             java.util.function.Consumer<ConsumerRecord<K, V>> handler) {
        List<TopicPartition> order = new ArrayList<>(records.partitions());
        for (int i = 0; i < order.size(); i++) {
            List<ConsumerRecord<K, V>> batch = records.records(order.get(i));
            for (int j = 0; j < batch.size(); j++) {
                try {
                    handler.accept(batch.get(j));
                } catch (RuntimeException | Error e) {
                    consumer.seek(order.get(i), batch.get(j).offset());
                    for (int k = i + 1; k < order.size(); k++)
                        consumer.seek(order.get(k), records.records(order.get(k)).get(0).offset());
                    throw e;
                }
            }
        }
    }
}
