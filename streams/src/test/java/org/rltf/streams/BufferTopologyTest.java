package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.rltf.streams.Events.feedback;
import static org.rltf.streams.Events.sample;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.BaselineSource;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.InMemorySchemaRegistryClient;

/** The buffer topology under TopologyTestDriver, with the real Avro serde on an in-memory registry. */
class BufferTopologyTest {
    private static final String RUN = "ttd";
    private static final Topics TOPICS = Topics.forRun(RUN);
    private static final float EPS = 1e-6f;

    @TempDir Path stateDir;
    private final String scope = "buffer-" + UUID.randomUUID();
    private final Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);
    private TopologyTestDriver driver;
    private TestInputTopic<String, Sample> samples;
    private TestInputTopic<String, Feedback> feedback;
    private TestOutputTopic<String, Experience> experience;
    private BufferEntry.Decoding decoding;
    private BufferConfig buffer;

    private void start(Map<String, Object> bufferProps, Map<String, Object> rewardProps) {
        if (driver != null) driver.close(); // a test may run several topologies, one after the other
        Map<String, Object> b = new HashMap<>(Map.of(
                BufferConfig.HORIZON_MS_CONFIG, 100_000L, BufferConfig.JOIN_WINDOW_MS_CONFIG, 10_000L,
                BufferConfig.GRACE_MS_CONFIG, 1_000L, BufferConfig.BASELINE_WAIT_MS_CONFIG, 5_000L,
                BufferConfig.MIN_FILL_CONFIG, 1));
        b.putAll(bufferProps);
        buffer = new BufferConfig(b);
        var topology = BufferTopology.build(RUN, 1, buffer, new RewardConfig(rewardProps), serdeConfig);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ttd-buffer");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(UUID.randomUUID().toString()).toString());
        driver = new TopologyTestDriver(topology, props);
        var eventSerdes = BufferTopology.EventSerdes.avro(serdeConfig);
        samples = driver.createInputTopic(TOPICS.samples(), Serdes.String().serializer(),
                eventSerdes.sample().serializer());
        feedback = driver.createInputTopic(TOPICS.feedback(), Serdes.String().serializer(),
                eventSerdes.feedback().serializer());
        experience = driver.createOutputTopic(TOPICS.experience(), Serdes.String().deserializer(),
                eventSerdes.experience().deserializer());
        decoding = new BufferEntry.Decoding(TOPICS.experience(), eventSerdes.experience().deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) driver.close();
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    private void graded(Sample s, Feedback f, long sampleTime, long feedbackTime) {
        samples.pipeInput(s.getSampleId(), s, sampleTime);
        feedback.pipeInput(f.getSampleId(), f, feedbackTime);
    }

    private Map<String, Experience> byId(List<KeyValue<String, Experience>> records) {
        return records.stream().collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
    }

    private WindowStore<String, byte[]> store() {
        return driver.getWindowStore(BufferTopology.STORE);
    }

    private BufferSnapshot snapshot(long version, BufferConfig config) {
        return OnlineBuffer.snapshot(store(), version, config, decoding);
    }

    @Test
    void joinsSampleAndFeedbackIntoRewardedExperience() {
        start(Map.of(), Map.of(RewardConfig.BASELINE_CONFIG, "none"));
        Sample s = sample(RUN, "p1@v0/0/0", "p1", 0, false, "a = ", "b\n", "print(a)");
        graded(s, feedback(s, Outcome.RUNTIME_ERROR, 0, 3, ErrorCategory.U_LINE, 0, 5), 1_000, 1_500);

        TestRecord<String, Experience> out = experience.readRecord();
        assertThat(out.key()).isEqualTo("p1@v0/0/0");
        assertThat(out.timestamp()).isEqualTo(1_500); // event time of the join: the later of the two
        Experience e = out.value();
        assertThat(e.getReward()).isEqualTo(-0.6f);
        assertThat(e.getBaseline()).isEqualTo(0f);
        assertThat(e.getBaselineMode()).isEqualTo("none");
        assertThat(e.getBaselineSource()).isEqualTo(BaselineSource.NONE);
        assertThat(e.getSequenceAdvantage()).isEqualTo(-0.6f);
        assertThat(e.getFineWeight()).isCloseTo(-0.3f * 1.5f, within(EPS));
        assertThat(e.getFineStartToken()).isEqualTo(0);
        assertThat(e.getFineEndToken()).isEqualTo(1);
        assertThat(e.getAlpha()).isCloseTo(1.5f, within(EPS)); // T = 3, span of 2
        assertThat(experience.isEmpty()).isTrue();

        // The same experience is in the buffer store at its event time.
        BufferSnapshot snap = snapshot(0, buffer);
        assertThat(snap.experiences()).containsExactly(e);
        assertThat(snap.newestEventTime()).isEqualTo(1_500);
    }

    @Test
    void alphaIsCappedOnAShortErrorLine() {
        start(Map.of(), Map.of(RewardConfig.BASELINE_CONFIG, "none", RewardConfig.ALPHA_MAX_CONFIG, 8));
        // Character 3 of a 32-token program is one token: the paper's alpha would be 32 / 1 = 32.
        Sample s = sample(RUN, "short-line", "p1", 0, false, 32);
        graded(s, feedback(s, Outcome.SYNTAX_ERROR, 0, 3, ErrorCategory.U_LINE, 3, 4), 1_000, 1_000);
        Experience e = experience.readValue();
        assertThat(e.getFineStartToken()).isEqualTo(3);
        assertThat(e.getFineEndToken()).isEqualTo(3);
        assertThat(e.getAlpha()).isEqualTo(8f);
        assertThat(Rewards.advantages(e)[3]).isCloseTo(-1f - 0.3f * 8, within(EPS)); // -3.4
    }

    @Test
    void feedbackOutsideTheJoinWindowDoesNotJoin() {
        start(Map.of(), Map.of(RewardConfig.BASELINE_CONFIG, "none"));
        Sample s = sample(RUN, "late", "p1", 0, false, 3);
        graded(s, feedback(s, Outcome.PASS, 1, 1), 1_000, 1_000 + 10_001); // window is 10 s
        assertThat(experience.isEmpty()).isTrue();
        // Within the window it joins, whichever side comes first.
        Sample t = sample(RUN, "early-feedback", "p1", 0, false, 3);
        feedback.pipeInput("early-feedback", feedback(t, Outcome.PASS, 1, 1), 20_000);
        samples.pipeInput("early-feedback", t, 20_000);
        assertThat(experience.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("early-feedback");
    }

    @Test
    void sandboxErrorsNeverBecomeExperienceAndAreCounted() {
        start(Map.of(), Map.of(RewardConfig.BASELINE_CONFIG, "none"));
        Sample s = sample(RUN, "s", "p1", 0, false, 3);
        graded(s, feedback(s, Outcome.SANDBOX_ERROR, 0, 0), 1_000, 1_100);
        Sample t = sample(RUN, "t", "p2", 0, false, 3);
        graded(t, feedback(t, Outcome.SANDBOX_ERROR, 0, 0), 1_000, 1_100);
        assertThat(experience.isEmpty()).isTrue();
        assertThat(OnlineBuffer.size(store(), buffer)).isZero();
        KeyValueStore<String, Long> counts = driver.getKeyValueStore(BufferTopology.SANDBOX_ERROR_STORE);
        assertThat(counts.get("p1")).isEqualTo(1L);
        assertThat(counts.get("p2")).isEqualTo(1L);
        // A retry graded properly afterwards does join.
        feedback.pipeInput("s", feedback(s, Outcome.PASS, 3, 3), 1_200);
        assertThat(experience.readValue().getReward()).isEqualTo(1f);
    }

    @Test
    void greedyBaselineWaitsForTheGreedySampleOfTheSameVersion() {
        start(Map.of(), Map.of()); // greedy is the default
        Sample s1 = sample(RUN, "p@v1/0/1", "p", 1, false, 2);
        Sample s2 = sample(RUN, "p@v1/0/2", "p", 1, false, 2);
        Sample g = sample(RUN, "p@v1/0/0", "p", 1, true, 2);
        graded(s1, feedback(s1, Outcome.PASS, 2, 2), 1_000, 1_100);
        graded(s2, feedback(s2, Outcome.SYNTAX_ERROR, 0, 2, ErrorCategory.U_IGNORE, null, null), 1_000, 1_200);
        assertThat(experience.isEmpty()).isTrue(); // both wait for the greedy reward
        graded(g, feedback(g, Outcome.FAILURE, 1, 2), 1_000, 1_300); // greedy reward -0.3 + 0.65 = 0.35

        List<TestRecord<String, Experience>> out = experience.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("p@v1/0/0", "p@v1/0/1", "p@v1/0/2");
        assertThat(out).extracting(r -> r.value().getBaseline()).containsOnly(0.35f);
        assertThat(out).extracting(r -> r.value().getBaselineSource()).containsOnly(BaselineSource.GREEDY);
        assertThat(out.get(1).value().getSequenceAdvantage()).isCloseTo(1f - 0.35f, within(EPS));
        assertThat(out.get(2).value().getSequenceAdvantage()).isCloseTo(-1f - 0.35f, within(EPS));
        assertThat(out).extracting(TestRecord::timestamp).containsExactly(1_300L, 1_100L, 1_200L); // own event times
        assertThat(out.get(0).value().getGreedy()).isTrue();
        // A later sample of the same version gets it at once.
        Sample s3 = sample(RUN, "p@v1/1/1", "p", 1, false, 2);
        graded(s3, feedback(s3, Outcome.PASS, 2, 2), 2_000, 2_000);
        Experience e3 = experience.readValue();
        assertThat(e3.getBaseline()).isEqualTo(0.35f);
        assertThat(Rewards.advantages(e3)).containsOnly(1f - 0.35f);
    }

    @Test
    void greedyBaselineFallsBackByStreamTimeToAnOlderGreedyRewardThenZero() {
        start(Map.of(), Map.of(RewardConfig.BASELINE_CONFIG, "greedy"));
        Sample g0 = sample(RUN, "p@v0/g", "p", 0, true, 2);
        graded(g0, feedback(g0, Outcome.PASS, 1, 1), 1_000, 1_000);
        assertThat(experience.readValue().getBaseline()).isEqualTo(1f); // the greedy's own reward
        Sample s = sample(RUN, "p@v2/s", "p", 2, false, 2);    // version 2's greedy never comes
        Sample q = sample(RUN, "q@v2/s", "q", 2, false, 2);    // problem q never had a greedy sample
        graded(s, feedback(s, Outcome.RUNTIME_ERROR, 0, 1, ErrorCategory.U_IGNORE, null, null), 2_000, 2_000);
        graded(q, feedback(q, Outcome.PASS, 1, 1), 2_000, 2_000);
        assertThat(experience.isEmpty()).isTrue();

        // Stream time (not the wall clock) must pass the 5 s wait: an unrelated record at 4 s is not enough...
        Sample other = sample(RUN, "r@v2/s", "r", 2, true, 2);
        graded(other, feedback(other, Outcome.PASS, 1, 1), 4_000, 4_000);
        assertThat(experience.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("r@v2/s");
        // ... one at 8 s is.
        Sample later = sample(RUN, "r@v2/g2", "r", 2, true, 2);
        graded(later, feedback(later, Outcome.PASS, 1, 1), 8_000, 8_000);
        Map<String, Experience> out = byId(experience.readKeyValuesToList());
        assertThat(out.get("p@v2/s").getBaseline()).isEqualTo(1f); // latest older greedy reward of p (version 0)
        assertThat(out.get("p@v2/s").getBaselineSource()).isEqualTo(BaselineSource.GREEDY);
        assertThat(out.get("q@v2/s").getBaseline()).isEqualTo(0f); // none at all
        assertThat(out.get("q@v2/s").getBaselineSource()).isEqualTo(BaselineSource.NONE); // visible as missing
        assertThat(out.get("q@v2/s").getSequenceAdvantage()).isEqualTo(1f);
        assertThat(out.get("p@v2/s").getReward()).isEqualTo(-0.6f);
    }

    @Test
    void groupMeanBaselineHoldsTheGroupUntilComplete() {
        start(Map.of(BufferConfig.GROUP_SIZE_CONFIG, 3), Map.of(RewardConfig.BASELINE_CONFIG, "group-mean"));
        Sample g = sample(RUN, "p@v0/0/0", "p", 0, true, 2);
        Sample a = sample(RUN, "p@v0/0/1", "p", 0, false, 2);
        Sample b = sample(RUN, "p@v0/0/2", "p", 0, false, 2);
        Sample c = sample(RUN, "p@v0/0/3", "p", 0, false, 2);
        graded(g, feedback(g, Outcome.PASS, 1, 1), 1_000, 1_000);
        graded(a, feedback(a, Outcome.PASS, 1, 1), 1_000, 1_100);                                      // +1
        graded(b, feedback(b, Outcome.RUNTIME_ERROR, 0, 1, ErrorCategory.U_IGNORE, null, null), 1_000, 1_200); // -0.6
        assertThat(experience.isEmpty()).isTrue(); // 2 of 3; the greedy sample does not count
        graded(c, feedback(c, Outcome.SYNTAX_ERROR, 0, 1, ErrorCategory.U_IGNORE, null, null), 1_000, 1_300); // -1

        Map<String, Experience> out = byId(experience.readKeyValuesToList());
        assertThat(out).hasSize(4);
        assertThat(out.get("p@v0/0/1").getBaseline()).isCloseTo((-0.6f - 1f) / 2, within(EPS)); // -0.8
        assertThat(out.get("p@v0/0/2").getBaseline()).isCloseTo((1f - 1f) / 2, within(EPS));    // 0
        assertThat(out.get("p@v0/0/3").getBaseline()).isCloseTo((1f - 0.6f) / 2, within(EPS)); // 0.2
        assertThat(out.get("p@v0/0/0").getBaseline()).isCloseTo((1f - 0.6f - 1f) / 3, within(EPS)); // -0.2
        assertThat(out.values()).extracting(Experience::getBaselineMode).containsOnly("group-mean");
        assertThat(out.values()).extracting(Experience::getBaselineSource).containsOnly(BaselineSource.GROUP_MEAN);
        assertThat(out.get("p@v0/0/1").getSequenceAdvantage()).isCloseTo(1f + 0.8f, within(EPS));
    }

    @Test
    void groupMeanReleasesAnIncompleteGroupByStreamTime() {
        start(Map.of(BufferConfig.GROUP_SIZE_CONFIG, 4), Map.of(RewardConfig.BASELINE_CONFIG, "group-mean"));
        Sample a = sample(RUN, "p@v0/1", "p", 0, false, 2);
        Sample b = sample(RUN, "p@v0/2", "p", 0, false, 2);
        Sample lone = sample(RUN, "q@v0/1", "q", 0, false, 2);
        graded(a, feedback(a, Outcome.PASS, 1, 1), 1_000, 1_000);
        graded(b, feedback(b, Outcome.FAILURE, 1, 4), 1_000, 1_000); // 0.025
        graded(lone, feedback(lone, Outcome.PASS, 1, 1), 1_000, 1_000);
        assertThat(experience.isEmpty()).isTrue();
        Sample tick = sample(RUN, "z@v0/1", "z", 0, false, 2);
        graded(tick, feedback(tick, Outcome.PASS, 1, 1), 7_000, 7_000); // stream time past 1 s + 5 s
        Map<String, Experience> out = byId(experience.readKeyValuesToList());
        assertThat(out.keySet()).containsExactlyInAnyOrder("p@v0/1", "p@v0/2", "q@v0/1");
        assertThat(out.get("p@v0/1").getBaseline()).isCloseTo(0.025f, within(EPS));
        assertThat(out.get("p@v0/2").getBaseline()).isCloseTo(1f, within(EPS));
        assertThat(out.get("q@v0/1").getBaseline()).isEqualTo(0f); // alone in its group
        assertThat(out.get("q@v0/1").getBaselineSource()).isEqualTo(BaselineSource.NONE);
        assertThat(out.get("p@v0/1").getBaselineSource()).isEqualTo(BaselineSource.GROUP_MEAN);
    }

    /**
     * One problem graded under {@code rewardProps} with the greedy baseline: its greedy program passes (R = 1, the
     * baseline of the others) and three samples: a FAILURE 1 of 4 (adaptive 0.025, coarse -0.3), a RUNTIME_ERROR on
     * token 2 of 8 (U_line, alpha 8) and a SYNTAX_ERROR cut off at the end (U_global, alpha 1).
     */
    private Map<String, Experience> gradedUnder(Map<String, Object> rewardProps) {
        start(Map.of(), rewardProps);
        Sample g = sample(RUN, "p@v0/0/0", "p", 0, true, 8);
        Sample a = sample(RUN, "p@v0/0/1", "p", 0, false, 8);
        Sample b = sample(RUN, "p@v0/0/2", "p", 0, false, 8);
        Sample c = sample(RUN, "p@v0/0/3", "p", 0, false, 8);
        graded(g, feedback(g, Outcome.PASS, 4, 4), 1_000, 1_000);
        graded(a, feedback(a, Outcome.FAILURE, 1, 4), 1_000, 1_100);
        graded(b, feedback(b, Outcome.RUNTIME_ERROR, 0, 4, ErrorCategory.U_LINE, 2, 3), 1_000, 1_200);
        graded(c, feedback(c, Outcome.SYNTAX_ERROR, 0, 4, ErrorCategory.U_GLOBAL, null, null), 1_000, 1_300);
        Map<String, Experience> out = byId(experience.readKeyValuesToList());
        assertThat(out).hasSize(4);
        return out;
    }

    /** The names of the Experience fields in which {@code a} and {@code b} differ, over all their samples. */
    private static Set<String> changedFields(Map<String, Experience> a, Map<String, Experience> b) {
        Set<String> changed = new TreeSet<>();
        for (String id : a.keySet())
            for (Schema.Field f : Experience.getClassSchema().getFields())
                if (!Objects.equals(a.get(id).get(f.pos()), b.get(id).get(f.pos()))) changed.add(f.name());
        return changed;
    }

    @Test
    void eachRewardSwitchChangesExactlyTheFieldsItClaims() {
        Map<String, Experience> all = gradedUnder(Map.of());
        assertThat(all.get("p@v0/0/1").getSequenceAdvantage()).isCloseTo(0.025f - 1f, within(EPS));
        assertThat(all.get("p@v0/0/2").getFineWeight()).isCloseTo(-0.3f * 8, within(EPS));
        assertThat(all.get("p@v0/0/3").getFineWeight()).isCloseTo(-0.3f, within(EPS));

        // Coarse off: R(W) of everything but the failure is 0, so the greedy baseline is 0 too.
        Map<String, Experience> noCoarse = gradedUnder(Map.of(RewardConfig.COARSE_ENABLED_CONFIG, false));
        assertThat(changedFields(all, noCoarse)).containsExactly("baseline", "reward", "sequence_advantage");
        assertThat(noCoarse.get("p@v0/0/1").getSequenceAdvantage()).isCloseTo(0.025f, within(EPS));
        assertThat(noCoarse.get("p@v0/0/2").getSequenceAdvantage()).isEqualTo(0f);
        assertThat(noCoarse.get("p@v0/0/2").getRewardCoarse()).isEqualTo(-0.6f); // recorded, not used

        // Adaptive off: only the failure's reward and advantage move, to the coarse -0.3.
        Map<String, Experience> noAdaptive = gradedUnder(Map.of(RewardConfig.ADAPTIVE_ENABLED_CONFIG, false));
        assertThat(changedFields(all, noAdaptive)).containsExactly("reward", "sequence_advantage");
        assertThat(noAdaptive.get("p@v0/0/1").getSequenceAdvantage()).isCloseTo(-0.3f - 1f, within(EPS));

        // Fine off: no token is penalised; R(W), b and R(W) - b are untouched.
        Map<String, Experience> noFine = gradedUnder(Map.of(RewardConfig.FINE_ENABLED_CONFIG, false));
        assertThat(changedFields(all, noFine)).containsExactly("alpha", "fine_end_token", "fine_reward",
                "fine_start_token", "fine_weight");
        assertThat(noFine.values()).extracting(Experience::getFineWeight).containsOnly(0f);
        assertThat(noFine.values()).extracting(Experience::getFineStartToken).containsOnly(-1);

        // Coarse and adaptive off: no sequence-level term at all; the fine term is as before.
        Map<String, Experience> fineOnly = gradedUnder(Map.of(RewardConfig.COARSE_ENABLED_CONFIG, false,
                RewardConfig.ADAPTIVE_ENABLED_CONFIG, false));
        assertThat(changedFields(all, fineOnly)).containsExactly("baseline", "reward", "sequence_advantage");
        assertThat(fineOnly.values()).extracting(Experience::getSequenceAdvantage).containsOnly(0f);
        assertThat(Rewards.advantages(fineOnly.get("p@v0/0/2")))
                .containsExactly(new float[] {0, 0, -2.4f, 0, 0, 0, 0, 0}, within(EPS));
    }

    @Test
    void snapshotKeepsTheHorizonThePolicyLagAndTheCapacity() {
        start(Map.of(BufferConfig.CAPACITY_CONFIG, 3, BufferConfig.MAX_POLICY_LAG_CONFIG, 1L,
                BufferConfig.HORIZON_MS_CONFIG, 20_000L), Map.of(RewardConfig.BASELINE_CONFIG, "none"));
        // (id, version, event time)
        Object[][] rows = {
                {"old", 5L, 1_000L},      // outside the horizon once the newest is at 30 s
                {"stale", 3L, 15_000L},   // version 3 is 2 behind 5: beyond the lag of 1
                {"a", 4L, 12_000L},
                {"b", 5L, 20_000L},
                {"c", 5L, 20_000L},       // same time as b: ordered by sample id
                {"d", 5L, 25_000L},
                {"e", 6L, 30_000L},
        };
        for (Object[] r : rows) {
            Sample s = sample(RUN, (String) r[0], "p", (Long) r[1], false, 2);
            graded(s, feedback(s, Outcome.PASS, 1, 1), (Long) r[2], (Long) r[2]);
        }
        assertThat(experience.readValuesToList()).hasSize(rows.length);

        Map<String, Object> wideProps = new HashMap<>(buffer.originals());
        wideProps.putAll(Map.of(BufferConfig.CAPACITY_CONFIG, 100, BufferConfig.MAX_POLICY_LAG_CONFIG, 10L));
        BufferConfig wide = new BufferConfig(wideProps);
        // Horizon only: everything newer than 30 s - 20 s, oldest first.
        assertThat(snapshot(5, wide).experiences()).extracting(Experience::getSampleId)
                .containsExactly("a", "stale", "b", "c", "d", "e");
        assertThat(OnlineBuffer.size(store(), buffer)).isEqualTo(6);
        // Plus the lag bound at version 5 (keeps versions >= 4) and the capacity (newest 3).
        BufferSnapshot snap = snapshot(5, buffer);
        assertThat(snap.experiences()).extracting(Experience::getSampleId).containsExactly("c", "d", "e");
        assertThat(snap.newestEventTime()).isEqualTo(30_000);
        // A learner at version 7 sees only versions 6 and 7.
        assertThat(snapshot(7, buffer).experiences()).extracting(Experience::getSampleId)
                .containsExactly("e");
        // Event time, not wall clock: the horizon moves only when newer experience arrives.
        Sample f = sample(RUN, "f", "p", 6, false, 2);
        graded(f, feedback(f, Outcome.PASS, 1, 1), 45_000, 45_000);
        assertThat(snapshot(6, wide).experiences()).extracting(Experience::getSampleId)
                .containsExactly("e", "f");
    }
}
