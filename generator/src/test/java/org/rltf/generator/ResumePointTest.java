package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Where a restarted generator continues, from a samples topic held by a mock consumer. */
class ResumePointTest {
    private static final String TOPIC = "rltf.r1.samples";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @Test
    void continuesAfterItsOwnNewestRoundOfTheVersion() {
        // Checkpoint v1's event is stamped 1000; v0's samples come before it, v1's after.
        Samples topic = new Samples();
        topic.add(P0, "a@v0/g1/7/g", 900);          // g1's, but v0 and before the checkpoint: not even read
        topic.add(P0, "a@v1/g1/0/g", 1001);
        topic.add(P1, "a@v1/g1/0/0", 1002);
        topic.add(P1, "b@v1/g2/5/g", 1003);         // another generator's round 5
        topic.add(P0, "x/y@v1/g1/2/1", 1005);       // problem ids may contain '/': round 2
        topic.add(P1, "b@v2/g1/9/g", 1006);         // a later version's round 9 (another run of g1 got ahead)
        topic.add(P1, "garbage", 1007);
        topic.add(P0, "b@v1/g1/1/g", 1004);         // an older round stamped later on another partition
        ResumePoint at = ResumePoint.find(topic.consumer(), TOPIC, "g1", 1, 1000, Duration.ofSeconds(1),
                Duration.ofMillis(10));
        assertThat(at.found()).isTrue();
        assertThat(at.round()).isEqualTo(3);
        assertThat(at.newestStamp()).isEqualTo(1005);
        assertThat(at.samplesFound()).isEqualTo(4);
    }

    @Test
    void withNoSampleOfTheVersionItStartsAtRoundZero() {
        Samples topic = new Samples();
        topic.add(P0, "a@v0/g1/4/g", 900);
        topic.add(P1, "a@v1/g2/3/g", 1001);
        ResumePoint at = ResumePoint.find(topic.consumer(), TOPIC, "g1", 1, 1000, Duration.ofSeconds(1),
                Duration.ofMillis(10));
        assertThat(at).isEqualTo(ResumePoint.FRESH);
        assertThat(at.found()).isFalse();
        // Nothing at all from the checkpoint on: offsetsForTimes finds no offset, the scan starts at the end.
        Samples old = new Samples();
        old.add(P0, "a@v1/g1/4/g", 900);
        assertThat(ResumePoint.find(old.consumer(), TOPIC, "g1", 1, 1000, Duration.ofSeconds(1),
                Duration.ofMillis(10))).isEqualTo(ResumePoint.FRESH);
    }

    /** A two-partition samples topic; the mock consumer answers offsetsForTimes from it, as the broker would. */
    private static final class Samples {
        private final Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> records = new HashMap<>();

        void add(TopicPartition tp, String key, long timestamp) {
            List<ConsumerRecord<String, byte[]>> list = records.computeIfAbsent(tp, k -> new ArrayList<>());
            list.add(new ConsumerRecord<>(tp.topic(), tp.partition(), list.size(), timestamp,
                    TimestampType.CREATE_TIME, 0, 0, key, new byte[0],
                    new RecordHeaders(), Optional.empty()));
        }

        MockConsumer<String, byte[]> consumer() {
            MockConsumer<String, byte[]> c = new MockConsumer<>("earliest") {
                @Override
                public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                        Map<TopicPartition, Long> query, Duration timeout) {
                    Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
                    // The broker's answer: the first offset whose timestamp is >= the query (here: in offset order).
                    query.forEach((tp, ts) -> records.getOrDefault(tp, List.of()).stream()
                            .filter(r -> r.timestamp() >= ts).findFirst()
                            .ifPresent(r -> out.put(tp, new OffsetAndTimestamp(r.offset(), r.timestamp()))));
                    return out;
                }
            };
            Node node = new Node(0, "localhost", 9092);
            c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, null, null),
                    new PartitionInfo(TOPIC, 1, node, null, null)));
            Map<TopicPartition, Long> ends = new HashMap<>();
            Map<TopicPartition, Long> begins = new HashMap<>();
            for (TopicPartition tp : List.of(P0, P1)) {
                ends.put(tp, (long) records.getOrDefault(tp, List.of()).size());
                begins.put(tp, 0L);
            }
            c.updateBeginningOffsets(begins);
            c.updateEndOffsets(ends);
            // The records are handed out on the first poll after the scan has seeked; MockConsumer skips those
            // before each partition's position.
            c.schedulePollTask(() -> records.values().forEach(list -> list.forEach(c::addRecord)));
            return c;
        }
    }
}
