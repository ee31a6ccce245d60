package org.rltf.generator;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.rltf.kernel.Partitions;

/**
 * Where a restarted generator continues under the policy version it adopted: the round after its newest published
 * round of that version, and its clock after that round's newest stamp, so no sample id is ever reused and its
 * stamps keep growing. A sample published just before a crash counts, even if its round was cut short: the round
 * number moves on past it.
 *
 * <p>Found in the samples topic by key ({@link SampleIds}: this generator's id and the version), from the adopted
 * checkpoint event's timestamp on: every sample of that version is stamped after it ({@link EventClock}), so the
 * scan skips everything older.
 *
 * @param round the next round number under the version
 * @param newestStamp the newest record timestamp among the samples found ({@link Long#MIN_VALUE} when none)
 * @param samplesFound how many of this generator's samples of the version are published
 */
record ResumePoint(long round, long newestStamp, long samplesFound) {

    /** No sample of the version published yet: round 0, the clock where it is. */
    static final ResumePoint FRESH = new ResumePoint(0, Long.MIN_VALUE, 0);

    boolean found() { return samplesFound > 0; }

    /**
     * Scans {@code samplesTopic} with {@code scan} (a consumer without a group, assigned here) from {@code from} to
     * the topic's current end.
     *
     * @param from the adopted checkpoint event's record timestamp
     * @param timeout bounds each metadata request
     * @param poll how long one poll waits
     */
    static ResumePoint find(Consumer<String, byte[]> scan, String samplesTopic, String generatorId, long version,
                            long from, Duration timeout, Duration poll) {
        List<TopicPartition> partitions = Partitions.of(scan, samplesTopic, timeout);
        scan.assign(partitions);
        Map<TopicPartition, Long> query = new HashMap<>();
        for (TopicPartition tp : partitions) query.put(tp, from);
        Map<TopicPartition, OffsetAndTimestamp> starts = scan.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> ends = scan.endOffsets(partitions, timeout);
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp start = starts.get(tp);
            scan.seek(tp, start == null ? ends.get(tp) : start.offset()); // null: nothing stamped from `from` on
        }
        long next = 0;
        long newest = Long.MIN_VALUE;
        long found = 0;
        while (!Partitions.reached(scan, ends)) {
            for (ConsumerRecord<String, byte[]> r : scan.poll(poll)) {
                SampleIds id = SampleIds.parse(r.key()).orElse(null);
                if (id == null || id.version() != version || !id.generatorId().equals(generatorId)) continue;
                next = Math.max(next, id.round() + 1);
                newest = Math.max(newest, r.timestamp());
                found++;
            }
        }
        return found == 0 ? FRESH : new ResumePoint(next, newest, found);
    }
}
