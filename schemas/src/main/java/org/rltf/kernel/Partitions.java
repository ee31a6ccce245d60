package org.rltf.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Partition plumbing every service needs: a topic's partitions, assigning from the start, and "read to the end". */
public final class Partitions {
    private Partitions() {
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

    /** Whether {@code consumer}'s position has reached {@code ends} on every partition. */
    public static boolean reached(Consumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet())
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }
}
