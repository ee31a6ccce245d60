package org.rltf.grader.regrade;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.Acks;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicScan;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * {@code rltf regrade}: grades a recorded run's samples again with the current grader (its sandbox, worker and
 * taxonomy, as configured now) and compares the verdicts with the feedback the run recorded: the outcome, the error
 * class, the error line and the error category, the four things the rewards are made of. The check a user runs
 * before trusting a grader change: full agreement means the change does not move any reward of that run; anything
 * else is listed, sample by sample.
 *
 * <p>The run's topics are only read (a {@code read_committed} scan without a group). With a target run the
 * regraded feedback is published to its feedback topic, never to the original's.
 */
public final class Regrade {
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    /** The fields compared, by their Feedback names. */
    public static final List<String> FIELDS = List.of("outcome", "error_class", "error_line", "error_category");

    /**
     * @param run     the recorded run
     * @param toRun   where the regraded feedback goes (null: nowhere, only the report)
     * @param grader  the grader's settings ({@code grader.*} keys: taxonomy file, parallelism, limits)
     */
    public record Options(String run, String toRun, Map<String, ?> grader) {
        public Options {
            Topics.validateRun(run);
            if (toRun != null) {
                Topics.validateRun(toRun);
                if (toRun.equals(run)) throw new IllegalArgumentException("a regrade never writes into the run it regrades");
            }
            grader = Map.copyOf(grader);
        }
    }

    /** A sample whose regraded feedback differs from the recorded one in {@code fields}. */
    public record Disagreement(String sampleId, String problemId, List<String> fields, Feedback recorded,
                               Feedback regraded) {
        /** "outcome RUNTIME_ERROR -> FAILURE, error_category U_LINE -> U_GLOBAL". */
        public String changes() {
            List<String> parts = new ArrayList<>();
            for (String f : fields) parts.add(f + " " + value(recorded, f) + " -> " + value(regraded, f));
            return String.join(", ", parts);
        }
    }

    /**
     * The comparison: samples regraded (those with a recorded feedback and a known problem), how many agree on every
     * field, the disagreements in sample-id order and their count per field; samples skipped because the run has no
     * feedback for them (not graded yet, or dead-lettered) or no such problem.
     */
    public record Report(String run, String toRun, int regraded, int agreed, List<Disagreement> disagreements,
                         Map<String, Integer> byField, int withoutFeedback, int unknownProblem) {
        public double agreement() { return regraded == 0 ? 1 : (double) agreed / regraded; }

        public String summary() {
            StringBuilder s = new StringBuilder(String.format("regraded %d samples of run %s: %d agree (%.1f%%)",
                    regraded, run, agreed, 100 * agreement()));
            if (!disagreements.isEmpty()) s.append(", ").append(disagreements.size()).append(" disagree ").append(byField);
            if (withoutFeedback > 0) s.append("; ").append(withoutFeedback).append(" samples have no recorded feedback");
            if (unknownProblem > 0) s.append("; ").append(unknownProblem).append(" samples name no known problem");
            if (toRun != null) s.append("; the regraded feedback is in ").append(Topics.forRun(toRun).feedback());
            return s.toString();
        }
    }

    private final Map<String, Object> cluster;
    private final Options options;

    /** {@code cluster}: bootstrap.servers, schema.registry.url and any common client keys. */
    public Regrade(Map<String, ?> cluster, Options options) {
        this.cluster = new LinkedHashMap<>(cluster);
        this.options = options;
    }

    /** Reads the run, grades its samples, compares; {@code progress} gets (done, of) as gradings finish. */
    public Report run(BiConsumer<Integer, Integer> progress) throws InterruptedException {
        Topics topics = Topics.forRun(options.run());
        Map<String, Problem> problems = new HashMap<>();
        read(topics.problems(), Problem.class, (p, r) -> problems.put(p.getId(), p));
        Map<String, Feedback> feedback = new HashMap<>();
        Map<String, Long> feedbackTime = new HashMap<>();
        read(topics.feedback(), Feedback.class, (f, r) -> {
            feedback.put(f.getSampleId(), f);
            feedbackTime.put(f.getSampleId(), r.timestamp());
        });
        Map<String, Sample> samples = new TreeMap<>();
        read(topics.samples(), Sample.class, (s, r) -> samples.put(s.getSampleId(), s));

        int withoutFeedback = 0;
        int unknownProblem = 0;
        List<Sample> toGrade = new ArrayList<>();
        for (Sample s : samples.values()) {
            if (!feedback.containsKey(s.getSampleId())) withoutFeedback++;
            else if (!problems.containsKey(s.getProblemId())) unknownProblem++;
            else toGrade.add(s);
        }

        Map<String, Object> graderConfig = new HashMap<>(options.grader());
        graderConfig.putIfAbsent(GraderConfig.ID_CONFIG, "regrade");
        List<Feedback> regraded = new ArrayList<>(toGrade.size());
        try (Grader grader = Grader.start(new GraderConfig(graderConfig))) {
            List<CompletableFuture<Feedback>> pending = new ArrayList<>();
            for (Sample s : toGrade) pending.add(grader.gradeAsync(problems.get(s.getProblemId()), s));
            for (int i = 0; i < pending.size(); i++) {
                try {
                    regraded.add(pending.get(i).get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("grading sample " + toGrade.get(i).getSampleId() + " failed: "
                            + e.getCause(), e.getCause());
                }
                if (progress != null) progress.accept(i + 1, pending.size());
            }
        }

        List<Disagreement> disagreements = new ArrayList<>();
        Map<String, Integer> byField = new LinkedHashMap<>();
        for (int i = 0; i < toGrade.size(); i++) {
            Feedback was = feedback.get(toGrade.get(i).getSampleId());
            Feedback now = regraded.get(i);
            List<String> fields = new ArrayList<>();
            for (String f : FIELDS) if (!Objects.equals(value(was, f), value(now, f))) fields.add(f);
            if (fields.isEmpty()) continue;
            fields.forEach(f -> byField.merge(f, 1, Integer::sum));
            disagreements.add(new Disagreement(was.getSampleId(), was.getProblemId(), fields, was, now));
        }
        if (options.toRun() != null) publish(regraded, feedbackTime);
        return new Report(options.run(), options.toRun(), toGrade.size(), toGrade.size() - disagreements.size(),
                List.copyOf(disagreements), byField, withoutFeedback, unknownProblem);
    }

    static String value(Feedback f, String field) {
        return switch (field) {
            case "outcome" -> f.getOutcome().name();
            case "error_class" -> String.valueOf(f.getErrorClass());
            case "error_line" -> String.valueOf(f.getErrorLine());
            case "error_category" -> f.getErrorCategory().name();
            default -> throw new IllegalArgumentException("not a compared field: " + field);
        };
    }

    private <T> void read(String topic, Class<T> type, BiConsumer<T, ConsumerRecord<byte[], byte[]>> handler) {
        try (Deserializer<T> values = new AvroDeserializer<>(type, ClientConfigs.serde(cluster), false)) {
            for (ConsumerRecord<byte[], byte[]> r : TopicScan.readAll(cluster, "rltf-regrade-" + options.run(), topic,
                    READ_TIMEOUT)) {
                if (r.value() == null) continue; // a compacted problem's tombstone
                handler.accept(values.deserialize(topic, r.value()), r);
            }
        }
    }

    /** The regraded feedback into the target run's feedback topic, each at its original's event time. */
    private void publish(List<Feedback> regraded, Map<String, Long> times) {
        Topics target = Topics.forRun(options.toRun());
        try (TopicAdmin admin = TopicAdmin.create(cluster)) {
            admin.createRun(target);
        }
        Map<String, Object> config = ClientConfigs.producer(cluster, "rltf-regrade-" + options.toRun(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        try (KafkaProducer<String, Feedback> producer = new KafkaProducer<>(config, new StringSerializer(),
                new AvroSerializer<>(ClientConfigs.serde(cluster), false))) {
            // On its problem's partition, where the buffer expects a run's feedback (Partitions.ofProblem).
            int partitions = producer.partitionsFor(target.feedback()).size();
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>(regraded.size());
            for (Feedback f : regraded) {
                Feedback moved = Feedback.newBuilder(f).setRun(options.toRun()).build();
                acks.add(producer.send(new ProducerRecord<>(target.feedback(),
                        Partitions.ofProblem(f.getProblemId(), partitions), times.get(f.getSampleId()), f.getSampleId(),
                        moved)));
            }
            Acks.awaitAll(acks, i -> "the regraded feedback of " + regraded.get(i).getSampleId(), target.feedback());
        }
    }
}
