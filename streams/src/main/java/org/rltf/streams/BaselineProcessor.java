package org.rltf.streams;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.rltf.events.BaselineSource;
import org.rltf.events.Experience;

/**
 * Decides b(problem) (RLTF-METHOD.md section 4) for experiences keyed by problem id, and forwards them keyed by
 * sample id with their own event time. Everything waits by stream time (punctuation on STREAM_TIME), never the wall
 * clock, so a replay of the same records makes the same decisions.
 *
 * <p><b>greedy</b>: the greedy sample of (problem, version) records its reward; its own baseline is that reward
 * (advantage 0; the learner may skip greedy samples). A sampled program whose greedy reward is known gets it at
 * once; otherwise it waits until its timestamp + {@code buffer.baseline.wait.ms} in stream time, and then takes the
 * latest greedy reward of an older version of the problem (source GREEDY), else 0 (source NONE).
 *
 * <p><b>group-mean</b>: every experience waits until its group is complete or the wait has passed in stream time.
 * A group is complete when {@code buffer.group.size} non-greedy samples of (problem, version) are pending (the
 * generator's k; Sample has no group-size field). On release a non-greedy sample gets the mean reward of the
 * other non-greedy samples of (problem, version) seen so far (leave-one-out; earlier rounds of the same version
 * count too), 0 with source NONE if it is the only one. Greedy samples are not part of the mean (they are not
 * draws from the sampling distribution) and get the mean of all non-greedy samples seen (NONE if there is none).
 *
 * <p>Every experience leaves with its baseline, the source of it and the sequence advantage R(W) - b
 * ({@link Rewards#withBaseline}).
 *
 * <p>Stream time only advances with new records: at the end of a run the last experiences stay pending until more
 * data arrives. The greedy rewards and group sums are kept per (problem, version) without pruning: a few bytes
 * per problem and checkpoint.
 */
final class BaselineProcessor implements Processor<String, Experience, String, Experience> {
    enum Mode { GREEDY, GROUP_MEAN }

    private static final char SEP = '\u0000';
    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();

    private final Mode mode;
    private final RewardConfig rewards;
    private final long waitMs;
    private final int groupSize;
    private ProcessorContext<String, Experience> context;
    private KeyValueStore<String, Float> greedyRewards;
    private KeyValueStore<String, GroupStats> groups;
    private TimestampedKeyValueStore<String, Experience> pending;

    BaselineProcessor(Mode mode, BufferConfig config, RewardConfig rewards) {
        this.mode = mode;
        this.rewards = rewards;
        this.waitMs = config.baselineWaitMs();
        this.groupSize = config.groupSize();
    }

    @Override
    public void init(ProcessorContext<String, Experience> context) {
        this.context = context;
        this.pending = context.getStateStore(BufferTopology.PENDING_STORE);
        if (mode == Mode.GREEDY) greedyRewards = context.getStateStore(BufferTopology.GREEDY_STORE);
        else groups = context.getStateStore(BufferTopology.GROUP_STORE);
        if (waitMs > 0)
            context.schedule(Duration.ofMillis(Math.max(1, waitMs / 10)), PunctuationType.STREAM_TIME, this::expire);
    }

    @Override
    public void process(Record<String, Experience> record) {
        Experience e = record.value();
        if (e == null) return;
        if (mode == Mode.GREEDY) processGreedy(e, record.timestamp());
        else processGroup(e, record.timestamp());
    }

    private void processGreedy(Experience e, long timestamp) {
        String group = groupKey(e);
        if (e.getGreedy()) {
            greedyRewards.put(group, e.getReward());
            forward(e, e.getReward(), timestamp);
            releaseGroup(group); // the samples that were waiting for this greedy reward
            return;
        }
        Float greedy = greedyRewards.get(group);
        if (greedy != null) forward(e, greedy, timestamp);
        else if (waitMs == 0) forward(e, baseline(e), timestamp);
        else pending.put(pendingKey(e), ValueAndTimestamp.make(e, timestamp));
    }

    private void processGroup(Experience e, long timestamp) {
        String group = groupKey(e);
        if (!e.getGreedy()) {
            GroupStats stats = groups.get(group);
            groups.put(group, (stats == null ? GroupStats.EMPTY : stats).add(e.getReward()));
        }
        pending.put(pendingKey(e), ValueAndTimestamp.make(e, timestamp));
        if (waitMs == 0 || (groupSize > 0 && !e.getGreedy() && pendingSampled(group) >= groupSize))
            releaseGroup(group);
    }

    private int pendingSampled(String group) {
        int n = 0;
        try (KeyValueIterator<String, ValueAndTimestamp<Experience>> it = pending.prefixScan(group + SEP,
                PREFIX_SERIALIZER)) {
            while (it.hasNext()) if (!it.next().value.value().getGreedy()) n++;
        }
        return n;
    }

    /** Releases every pending experience of (problem, version) in sample id order. */
    private void releaseGroup(String group) {
        List<KeyValue<String, ValueAndTimestamp<Experience>>> ready = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Experience>> it = pending.prefixScan(group + SEP,
                PREFIX_SERIALIZER)) {
            it.forEachRemaining(ready::add);
        }
        release(ready);
    }

    /** Stream-time punctuation: releases what has waited {@code buffer.baseline.wait.ms}. */
    private void expire(long streamTime) {
        List<KeyValue<String, ValueAndTimestamp<Experience>>> ready = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Experience>> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Experience>> kv = it.next();
                if (kv.value.timestamp() + waitMs <= streamTime) ready.add(kv);
            }
        }
        release(ready);
    }

    private void release(List<KeyValue<String, ValueAndTimestamp<Experience>>> ready) {
        for (KeyValue<String, ValueAndTimestamp<Experience>> kv : ready) {
            pending.delete(kv.key);
            Experience e = kv.value.value();
            forward(e, baseline(e), kv.value.timestamp());
        }
    }

    /** The baseline of an experience at release time (see the class comment); null when there is none. */
    private Float baseline(Experience e) {
        String group = groupKey(e);
        if (mode == Mode.GREEDY) {
            Float same = greedyRewards.get(group);
            if (same != null) return same;
            if (e.getPolicyVersion() <= 0) return null;
            try (KeyValueIterator<String, Float> older = greedyRewards.reverseRange(
                    groupKey(e.getProblemId(), 0), groupKey(e.getProblemId(), e.getPolicyVersion() - 1))) {
                return older.hasNext() ? older.next().value : null;
            }
        }
        GroupStats stats = groups.get(group);
        if (stats == null) return null;
        if (e.getGreedy()) return stats.count() > 0 ? (float) (stats.sum() / stats.count()) : null;
        return stats.count() > 1 ? (float) ((stats.sum() - e.getReward()) / (stats.count() - 1)) : null;
    }

    /** Forwards {@code e} with baseline {@code baseline} of this mode's source, or 0 from NONE when it is null. */
    private void forward(Experience e, Float baseline, long timestamp) {
        Experience out = baseline == null
                ? Rewards.withBaseline(e, 0f, BaselineSource.NONE, rewards)
                : Rewards.withBaseline(e, baseline, mode == Mode.GREEDY ? BaselineSource.GREEDY
                        : BaselineSource.GROUP_MEAN, rewards);
        context.forward(new Record<>(e.getSampleId(), out, timestamp));
    }

    private static String groupKey(Experience e) {
        return groupKey(e.getProblemId(), e.getPolicyVersion());
    }

    // Zero-padded so that the store's byte order is version order within a problem (for "latest older greedy").
    static String groupKey(String problem, long version) {
        if (version < 0) throw new IllegalArgumentException("Policy version must be >= 0, got " + version);
        return problem + SEP + String.format("%020d", version);
    }

    private static String pendingKey(Experience e) {
        return groupKey(e) + SEP + e.getSampleId();
    }

    /** Sum and count of the non-greedy rewards of one (problem, version). */
    record GroupStats(double sum, long count) {
        static final GroupStats EMPTY = new GroupStats(0, 0);

        GroupStats add(float reward) { return new GroupStats(sum + reward, count + 1); }

        static Serde<GroupStats> serde() {
            return Serdes.serdeFrom(
                    (topic, s) -> s == null ? null : ByteBuffer.allocate(16).putDouble(s.sum).putLong(s.count).array(),
                    (topic, bytes) -> {
                        if (bytes == null) return null;
                        ByteBuffer b = ByteBuffer.wrap(bytes);
                        return new GroupStats(b.getDouble(), b.getLong());
                    });
        }
    }
}
