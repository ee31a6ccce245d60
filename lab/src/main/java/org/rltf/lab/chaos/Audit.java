package org.rltf.lab.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.generator.SampleIds;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Partitions;
import org.rltf.policy.Checkpoints;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;

/**
 * Reads every topic of the run with {@code read_committed}, from the start to the high watermark, and counts what a
 * fault could have broken: samples (each round whole, no id twice), feedback (one per sample), experience (one per
 * sample with a non-SANDBOX verdict), learner steps and checkpoint versions (no gap, no repeat), each checkpoint's
 * digest, and dead letters (by reason; one per record and consuming service).
 */
final class Audit implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> cluster;
    private final Topics topics;
    private final Map<Class<?>, AvroDeserializer<?>> deserializers = new HashMap<>();
    private final Map<byte[], Feedback> decodedFeedback = new IdentityHashMap<>();

    Audit(Map<String, Object> cluster, Topics topics) {
        this.cluster = cluster;
        this.topics = topics;
    }

    /** The counts; {@code roundSize} is the samples one round publishes, {@code injected} the malformed records' keys. */
    ChaosReport.Counts count(int roundSize, Map<String, String> injected) {
        ChaosReport.Counts c = new ChaosReport.Counts();

        // Samples: valid ones by id; rounds by (generator, version, round).
        Map<String, Integer> sampleIds = new HashMap<>();
        Map<String, Integer> rounds = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.samples())) {
            Sample s = decode(Sample.class, r);
            if (s == null) {
                c.malformedSamples++;
                continue;
            }
            sampleIds.merge(s.getSampleId(), 1, Integer::sum);
            SampleIds id = SampleIds.parse(s.getSampleId()).orElse(null);
            if (id != null) rounds.merge(id.generatorId() + "/v" + id.version() + "/" + id.round(), 1, Integer::sum);
        }
        c.samples = sampleIds.size();
        c.duplicateSamples = sampleIds.values().stream().filter(n -> n > 1).count();
        c.rounds = rounds.size();
        for (Map.Entry<String, Integer> e : rounds.entrySet())
            if (e.getValue() != roundSize) {
                c.incompleteRounds.add(e.getKey() + " (" + e.getValue() + " of " + roundSize + ")");
                c.lostSamples += Math.max(0, roundSize - e.getValue());
            }

        // Feedback: one per sample.
        Map<String, Integer> feedbackIds = new HashMap<>();
        Set<String> rewardable = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.feedback())) {
            Feedback f = decode(Feedback.class, r);
            if (f == null) continue; // the injected malformed feedback; its dead letter is checked below
            feedbackIds.merge(f.getSampleId(), 1, Integer::sum);
            if (f.getOutcome() == Outcome.SANDBOX_ERROR) c.sandboxErrors++;
            else rewardable.add(f.getSampleId());
        }
        c.feedback = feedbackIds.size();
        c.duplicateFeedback = feedbackIds.values().stream().filter(n -> n > 1).count();
        for (String id : sampleIds.keySet()) if (!feedbackIds.containsKey(id)) c.samplesWithoutFeedback++;
        for (String id : feedbackIds.keySet()) if (!sampleIds.containsKey(id)) c.feedbackWithoutSample++;

        // Experience: one per rewardable feedback.
        Map<String, Integer> experienceIds = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.experience())) {
            Experience e = decode(Experience.class, r);
            if (e != null) experienceIds.merge(e.getSampleId(), 1, Integer::sum);
        }
        c.experience = experienceIds.size();
        c.rewardableFeedback = rewardable.size();
        c.duplicateExperience = experienceIds.values().stream().filter(n -> n > 1).count();
        for (String id : rewardable) if (!experienceIds.containsKey(id)) c.feedbackWithoutExperience++;
        for (String id : experienceIds.keySet()) if (!rewardable.contains(id)) c.experienceWithoutFeedback++;

        // Learner steps 1..N and checkpoint versions 0..M, each exactly once; every checkpoint's digest.
        List<Long> steps = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.learnerSteps())) {
            LearnerStep s = decode(LearnerStep.class, r);
            if (s != null) steps.add(s.getStep());
        }
        c.steps = steps;
        List<Long> versions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.checkpoints())) {
            Checkpoint cp = decode(Checkpoint.class, r);
            if (cp == null) continue;
            versions.add(cp.getVersion());
            try {
                if (cp.getSha256().equals(Checkpoints.verify(Path.of(URI.create(cp.getUri())), cp.getSha256())))
                    c.verifiedCheckpoints++;
                else c.badCheckpoints.add("v" + cp.getVersion());
            } catch (RuntimeException e) {
                c.badCheckpoints.add("v" + cp.getVersion() + " (" + e.getMessage() + ")");
            }
        }
        c.versions = versions;

        // Dead letters: by service and reason; one per record and kind of service.
        Map<String, Integer> perRecord = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(topics.deadLetter())) {
            DeadLetter d = decode(DeadLetter.class, r);
            if (d == null) continue;
            String kind = DeadLetters.kind(d.getService());
            c.deadLetters.merge(kind + ": " + reasonClass(d.getReason()), 1, Integer::sum);
            c.longestReason = Math.max(c.longestReason, d.getReason().length());
            perRecord.merge(kind + " " + d.getTopic() + "/" + d.getPartition() + "/" + d.getOffset(), 1, Integer::sum);
            String key = d.getKey() == null ? null : StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
            if (key != null && injected.containsKey(key) && injected.get(key).equals(kind))
                c.injectedDeadLettered.merge(key, 1, Integer::sum);
        }
        c.duplicateDeadLetters = perRecord.values().stream().filter(n -> n > 1).count();
        for (String key : injected.keySet()) c.injectedDeadLettered.putIfAbsent(key, 0);
        return c;
    }

    /** A feedback record's value decoded (once per value), or null if it does not decode (yet). */
    Feedback feedback(byte[] value) {
        Feedback f = decodedFeedback.get(value);
        if (f == null) {
            f = decode(Feedback.class, new ConsumerRecord<>(topics.feedback(), 0, 0, null, value));
            if (f != null) decodedFeedback.put(value, f);
        }
        return f;
    }

    /** The part of a dead letter's reason that names its kind: up to the first ':' (or 60 characters). */
    private static String reasonClass(String reason) {
        int colon = reason.indexOf(':');
        String head = colon > 0 ? reason.substring(0, colon) : reason;
        return head.length() > 60 ? head.substring(0, 57) + "..." : head;
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> T decode(Class<T> type, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) return null;
        AvroDeserializer<T> d = (AvroDeserializer<T>) deserializers.computeIfAbsent(type,
                t -> new AvroDeserializer<>(type, ClientConfigs.serde(cluster), false));
        try {
            return d.deserialize(r.topic(), r.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override public void close() {
        deserializers.values().forEach(AvroDeserializer::close);
    }

    /** Every committed record of {@code topic}, read up to its high watermark. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(ClientConfigs.readCommittedConsumer(cluster,
                "chaos-audit"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(c, List.of(topic), TIMEOUT);
            Map<TopicPartition, Long> ends = Partitions.highWatermarks(cluster, "chaos-audit-ends", partitions, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Partitions.reached(c, ends)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to " + ends);
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The size of everything under {@code dir}, in MiB (0 if it does not exist). */
    static long sizeMiB(Path dir) {
        if (!Files.exists(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum() >> 20;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Files left in {@code dir} (the processes' temp directory), with their sizes. */
    static List<String> leftovers(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).filter(Files::isRegularFile).map(p -> {
                try {
                    return dir.relativize(p) + " (" + Files.size(p) / 1024 + " KiB)";
                } catch (IOException e) {
                    return dir.relativize(p).toString();
                }
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
