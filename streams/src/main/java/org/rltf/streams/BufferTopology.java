package org.rltf.streams;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.state.Stores;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Sample;
import org.rltf.kernel.Partitions;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/**
 * The online buffer's topology (ARCHITECTURE.md "The online buffer"):
 *
 * <pre>
 *  samples  -- on its problem's partition? ------------+
 *                                                     +-- join (window buffer.join.window.ms, grace buffer.grace.ms)
 *  feedback -- on its problem's partition? --          |      Rewards.experience (sections 1-3, fine weight of section 4)
 *              drop + count SANDBOX_ERROR ------------+          |
 *                                                                 |
 *                      [greedy | group-mean] BaselineProcessor (b, R(W) - b), in the task that joined them
 *                      [none]                baseline 0, source NONE
 *                                                                 |
 *                          experience-buffer window store (retention buffer.horizon.ms) -- experience topic
 * </pre>
 *
 * samples and feedback are keyed by sample id and partitioned by problem id ({@link Partitions#ofProblem}): a
 * sample and its feedback are on the same partition (co-partitioned, as the join needs), and so is every other
 * sample of the problem, so the task that joins them has the problem's whole group for its baseline and no
 * repartition hop is needed (that hop wrote every experience to the log once more, 2.3 of the 15.6 KB a 256-token
 * sample cost, and added one transaction commit: `rltf bench pipeline`). An event on another partition is
 * dead-lettered ({@link ProblemPartitionCheck}).
 * Every time is a record timestamp: the join window, the store's retention and the baseline waits all run on
 * stream time, so replaying the topics reproduces the buffer.
 */
public final class BufferTopology {
    /** The windowed store of experiences the learner queries ({@link OnlineBuffer#snapshot}). */
    public static final String STORE = "experience-buffer";
    /** Count of SANDBOX_ERROR feedback per problem id. */
    public static final String SANDBOX_ERROR_STORE = "sandbox-errors";
    static final String PENDING_STORE = "baseline-pending";
    static final String GREEDY_STORE = "baseline-greedy-rewards";
    static final String GROUP_STORE = "baseline-group-stats";
    static final String JOIN_STORE = "sample-feedback-join";

    private BufferTopology() {}

    /** The serdes of the events the topology reads, stores and writes. */
    public record EventSerdes(Serde<Sample> sample, Serde<Feedback> feedback, Serde<Experience> experience) {
        public EventSerdes {
            Objects.requireNonNull(sample, "sample");
            Objects.requireNonNull(feedback, "feedback");
            Objects.requireNonNull(experience, "experience");
        }

        /** Confluent-wire-format Avro serdes; {@code serdeConfig} needs {@code schema.registry.url}. */
        public static EventSerdes avro(Map<String, ?> serdeConfig) {
            return new EventSerdes(AvroSerdes.serde(Sample.class, serdeConfig, false),
                    AvroSerdes.serde(Feedback.class, serdeConfig, false),
                    AvroSerdes.serde(Experience.class, serdeConfig, false));
        }
    }

    /**
     * The topology of {@code run} with Avro serdes configured from {@code serdeConfig} (schema.registry.url);
     * {@code partitions} is the partition count of the run's samples and feedback topics.
     */
    public static Topology build(String run, int partitions, BufferConfig buffer, RewardConfig rewards,
                                 Map<String, ?> serdeConfig) {
        return build(run, partitions, buffer, rewards, EventSerdes.avro(serdeConfig));
    }

    public static Topology build(String run, int partitions, BufferConfig buffer, RewardConfig rewards,
                                 EventSerdes serdes) {
        Topics topics = Topics.forRun(run);
        Serde<String> keys = Serdes.String();
        StreamsBuilder builder = new StreamsBuilder();

        // Samples keep their record bytes until the join has stored them (Encoded says why).
        Serde<Encoded<Sample>> samplesSerde = Encoded.serde(serdes.sample());
        KStream<String, Encoded<Sample>> samples = builder.stream(topics.samples(),
                        Consumed.with(keys, samplesSerde).withName("samples"))
                .processValues(() -> new ProblemPartitionCheck<Encoded<Sample>>("Sample", partitions,
                        sample -> sample.value().getProblemId()), Named.as("samples-by-problem"));

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SANDBOX_ERROR_STORE), keys, Serdes.Long()).withCachingDisabled());
        KStream<String, Feedback> feedback = builder.stream(topics.feedback(),
                        Consumed.with(keys, serdes.feedback()).withName("feedback"))
                .processValues(() -> new ProblemPartitionCheck<Feedback>("Feedback", partitions, Feedback::getProblemId),
                        Named.as("feedback-by-problem"))
                .processValues(() -> new SandboxErrorFilter(SANDBOX_ERROR_STORE), Named.as("drop-sandbox-errors"),
                        SANDBOX_ERROR_STORE);

        // Inner KStream-KStream joins emit as soon as both sides are there; grace only bounds out-of-order arrival.
        JoinWindows window = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(buffer.joinWindowMs()),
                Duration.ofMillis(buffer.graceMs()));
        KStream<String, Experience> rewarded = samples.join(feedback,
                (sample, verdict) -> Rewards.experience(sample.value(), verdict, rewards), window,
                StreamJoined.with(keys, samplesSerde, serdes.feedback())
                        .withName("sample-feedback").withStoreName(JOIN_STORE));

        KStream<String, Experience> baselined = switch (rewards.baseline()) {
            case RewardConfig.BASELINE_NONE -> rewarded;
            case RewardConfig.BASELINE_GREEDY -> baselined(builder, rewarded, buffer, rewards, serdes,
                    BaselineProcessor.Mode.GREEDY);
            case RewardConfig.BASELINE_GROUP_MEAN -> baselined(builder, rewarded, buffer, rewards, serdes,
                    BaselineProcessor.Mode.GROUP_MEAN);
            default -> throw new IllegalArgumentException("Unknown baseline mode '" + rewards.baseline() + "'");
        };

        // A window store rather than a windowed aggregation: each experience is a point in event time, so the
        // window is 1 ms and the retention (the horizon) is what matters. Caching off, or interactive queries
        // return windows the store has already expired.
        // It holds the experience topic's record bytes, serialized once for both (BufferEntry says why the store is
        // not typed: a snapshot reads what it filters on and decodes the rest only when the learner draws it).
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, Duration.ofMillis(buffer.horizonMs()), Duration.ofMillis(1), false),
                keys, Serdes.ByteArray()).withCachingDisabled());
        String experienceTopic = topics.experience();
        baselined.processValues(() -> new BufferWriter(experienceTopic, serdes.experience().serializer()),
                        Named.as("buffer-writer"), STORE)
                .to(experienceTopic, Produced.with(keys, Serdes.ByteArray()).withName("experience"));
        return builder.build();
    }

    private static KStream<String, Experience> baselined(StreamsBuilder builder, KStream<String, Experience> rewarded,
                                                         BufferConfig buffer, RewardConfig rewards,
                                                         EventSerdes serdes, BaselineProcessor.Mode mode) {
        Serde<String> keys = Serdes.String();
        builder.addStateStore(Stores.timestampedKeyValueStoreBuilder(
                Stores.persistentTimestampedKeyValueStore(PENDING_STORE), keys, serdes.experience())
                .withCachingDisabled());
        String store = mode == BaselineProcessor.Mode.GREEDY ? GREEDY_STORE : GROUP_STORE;
        if (mode == BaselineProcessor.Mode.GREEDY)
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(GREEDY_STORE), keys, Serdes.Float()).withCachingDisabled());
        else
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(GROUP_STORE), keys, BaselineProcessor.GroupStats.serde())
                    .withCachingDisabled());
        // The baseline of a sample depends on the other samples of its problem: they are on this task's partition
        // (the topics are partitioned by problem id), so no re-keying or repartition hop is needed.
        return rewarded.process(() -> new BaselineProcessor(mode, buffer, rewards), Named.as("baseline"),
                PENDING_STORE, store);
    }
}
