package org.rltf.learner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Transactions;
import org.rltf.policy.CheckpointInfo;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner's exactly-once record of its progress: checkpoint periods committed to Kafka, and the newest one read
 * back when it starts.
 *
 * <p><b>Commit.</b> {@link #commit} saves checkpoint version v to {@code <store>/<run>/v<v>}, then sends the
 * period's LearnerSteps (the last one naming v) and the Checkpoint event that closes it, and commits them in one
 * transaction of the producer whose transactional.id is the run's ({@code <prefix>.<run>}). read_committed readers
 * see a whole period or nothing of it. A crash before the commit leaves the saved directory, which no committed
 * event names; the next commit of that version overwrites it. The events are sent just before the commit, so the
 * transaction stays open for the sends, not for the period. Outages are waited out: the commit is tried again until
 * it goes through.
 *
 * <p><b>Start.</b> {@link #initTransactions} fences an older learner of the run (its open transaction is aborted)
 * and {@link #newest} reads the checkpoints topic, read_committed, to its end: the newest committed version, which
 * a restarted learner resumes from.
 *
 * <p>Not thread-safe: the learner's thread uses it.
 */
final class CheckpointLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointLog.class);

    /** The newest committed Checkpoint and its record's timestamp (the event time a resumed learner continues from). */
    record Committed(Checkpoint checkpoint, long timestamp) {}

    /** Writes a checkpoint directory (the trainer's weights and optimizer state). */
    @FunctionalInterface
    interface Saver {
        CheckpointInfo save(Path dir);
    }

    /**
     * A period to close with checkpoint {@code version} at optimizer step {@code step}: its steps in order, the
     * Checkpoint's event time {@code stamp} and metrics, the model config (JSON) the Checkpoint records, and the
     * learner settings that determined the period's steps ({@link RecordedSettings}).
     */
    record Period(long version, long step, long stamp, List<StepRecord.Stamped> steps, Map<String, Double> metrics,
                  String modelConfig, Map<String, String> learnerConfig) {}

    private final LearnerConfig config;
    private final Topics topics;
    private final DeadLetters deadLetters;
    private final Producer<byte[], byte[]> producer;
    private final Serde<LearnerStep> steps;
    private final Serde<Checkpoint> checkpoints;
    private final StringSerializer keys = new StringSerializer();
    private boolean fatal;

    /** The log of {@code config}'s run; undecodable checkpoint records go to {@code deadLetters} (not closed here). */
    CheckpointLog(LearnerConfig config, DeadLetters deadLetters) {
        this.config = config;
        this.topics = config.topics();
        this.deadLetters = deadLetters;
        Map<String, Object> serde = ClientConfigs.serde(config.originals());
        Serde<LearnerStep> s = null;
        Serde<Checkpoint> c = null;
        try {
            s = AvroSerdes.serde(LearnerStep.class, serde, false);
            c = AvroSerdes.serde(Checkpoint.class, serde, false);
            this.producer = new KafkaProducer<>(config.producerConfigs(), new ByteArraySerializer(),
                    new ByteArraySerializer());
        } catch (RuntimeException e) {
            Utils.closeQuietly(s, "learner-steps serde");
            Utils.closeQuietly(c, "checkpoints serde");
            throw e;
        }
        this.steps = s;
        this.checkpoints = c;
    }

    /** Takes over the run's transactional.id: an older learner of the run is fenced, its open period aborted. */
    void initTransactions() {
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            fatal = Transactions.isFatal(e);
            throw e;
        }
    }

    /**
     * Reads the checkpoints topic (read_committed) to its end, the high watermark, so a period whose commit is still
     * writing its markers is seen: the newest version, or null for a new run.
     */
    Committed newest() {
        RecordDecoder<String, Checkpoint> decoder = new RecordDecoder<>(new StringDeserializer(), checkpoints.deserializer());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config.consumerConfigs("checkpoints"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(c, List.of(topics.checkpoints()),
                    ClusterWait.attemptTimeout(config.startupTimeout()));
            Map<TopicPartition, Long> ends = Partitions.highWatermarks(config.originals(), config.clientId("ends"),
                    partitions, ClusterWait.attemptTimeout(config.startupTimeout()));
            Committed newest = null;
            while (!Partitions.reached(c, ends)) {
                for (ConsumerRecord<byte[], byte[]> raw : c.poll(Duration.ofMillis(config.bufferPollMs()))) {
                    var decoded = decoder.decodeOrDeadLetter(raw, deadLetters);
                    if (decoded.isEmpty()) continue;
                    Checkpoint cp = decoded.get().value();
                    if (newest == null || cp.getVersion() > newest.checkpoint().getVersion())
                        newest = new Committed(cp, raw.timestamp());
                }
            }
            deadLetters.flush();
            return newest;
        }
    }

    /**
     * Saves checkpoint {@code period.version()} with {@code saver}, then commits the period's LearnerSteps and its
     * Checkpoint in one transaction; returns the committed Checkpoint. An outage of the broker or the schema registry
     * is waited out, with backoff and a log line ({@link Transactions#commit}), until {@code giveUp} says to stop;
     * a fatal producer error (fenced: another learner took over the run) is rethrown. Either way nothing of the
     * period is visible unless it all is.
     */
    Checkpoint commit(Period period, Saver saver, BooleanSupplier giveUp) {
        long start = System.nanoTime();
        Path dir = config.checkpointStoreDir().resolve(config.run()).resolve("v" + period.version());
        deleteRecursively(dir); // an uncommitted version a crash left: no committed event names it
        CheckpointInfo info = saver.save(dir);
        Map<String, Double> metrics = new LinkedHashMap<>(period.metrics());
        metrics.put("save_ms", (System.nanoTime() - start) / 1e6);
        Checkpoint checkpoint = Checkpoint.newBuilder()
                .setRun(config.run())
                .setVersion(period.version())
                .setStep(period.step())
                .setUri(info.dir().toUri().toString())
                .setSha256(info.sha256())
                .setSizeBytes(info.sizeBytes())
                .setModelConfig(period.modelConfig())
                .setMetrics(metrics)
                .setLearnerConfig(period.learnerConfig())
                .build();
        try {
            Transactions.commit(producer, () -> records(period, checkpoint), log, "checkpoint period v" + period.version(),
                    giveUp);
        } catch (KafkaException e) {
            fatal = Transactions.isFatal(e);
            throw e;
        }
        log.info("Learner learner/{} committed checkpoint v{} at step {} ({} bytes, sha256 {})", config.run(),
                period.version(), period.step(), info.sizeBytes(), info.sha256());
        return checkpoint;
    }

    /**
     * The period's LearnerSteps (the last one naming the version) and the Checkpoint that closes it. Serialized for
     * each attempt: the serializers may have to ask the schema registry for their schema ids.
     */
    private List<ProducerRecord<byte[], byte[]>> records(Period period, Checkpoint checkpoint) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(period.steps().size() + 1);
        String stepsTopic = topics.learnerSteps();
        byte[] key = keys.serialize(stepsTopic, config.run());
        for (int i = 0; i < period.steps().size(); i++) {
            StepRecord.Stamped stamped = period.steps().get(i);
            LearnerStep s = stamped.step();
            if (i == period.steps().size() - 1) s = LearnerStep.newBuilder(s).setCheckpointVersion(period.version()).build();
            records.add(new ProducerRecord<>(stepsTopic, null, stamped.stamp(), key,
                    steps.serializer().serialize(stepsTopic, s)));
        }
        String checkpointsTopic = topics.checkpoints();
        records.add(new ProducerRecord<>(checkpointsTopic, null, period.stamp(), keys.serialize(checkpointsTopic,
                config.run()), checkpoints.serializer().serialize(checkpointsTopic, checkpoint)));
        return records;
    }

    /** Closes the producer (at once after a fatal error: a fenced producer has nothing left to send) and the serdes. */
    @Override
    public void close() {
        Duration timeout = fatal ? Duration.ZERO : Duration.ofSeconds(10);
        Utils.closeQuietly(() -> producer.close(timeout), "checkpoint producer");
        Utils.closeQuietly(steps, "learner-steps serde");
        Utils.closeQuietly(checkpoints, "checkpoints serde");
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the uncommitted checkpoint directory " + dir, e);
        }
    }
}
