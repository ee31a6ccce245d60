package org.rltf.grader.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.DeadLetter;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.service.Batch.Decoded;
import org.rltf.grader.service.Batch.Pending;
import org.rltf.grader.Feedbacks;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.ProgramGrader;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.ProblemTable;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.kernel.Transactions;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grader service: samples in, feedback out, exactly once.
 *
 * <p>Each poll of the samples topic is one batch, and one transaction (or, with
 * {@code grader.transaction.linger.ms}, the batches fetched while one is open share it). The batch's programs are graded
 * in parallel ({@link Grader#gradeAsync}); the feedback (and the dead letters of records it could not
 * use) are written inside a transaction that also commits the consumer's offsets, with the group's
 * metadata (KIP-447), so a crash at any point either publishes a batch's feedback together with its
 * offsets or neither. Consumers reading feedback with isolation.level=read_committed therefore see
 * exactly one Feedback per sample, whatever instance crashed when.
 *
 * <p>Feedback is keyed by sample id (co-partitioned with samples) and stamped with the sample record's
 * timestamp: event time, so a replay of the samples topic reproduces the feedback topic.
 *
 * <p>Bad input is kept, not dropped: a sample record that does not decode, lacks its ids, or names a
 * problem that is not in the problems topic (after reading it to its end) goes to the run's
 * dead-letter topic with the reason, in the same transaction. A program whose grading ends in
 * SANDBOX_ERROR (the grader's own failure) is graded again up to {@code grader.sandbox.error.retries} times;
 * if it still fails that verdict is published, so the sample is accounted for, and streams leaves it
 * out of the rewards.
 *
 * <p>Instances scale out as one consumer group; each has its own transactional.id. Fatal producer
 * errors (fenced by a newer instance with the same id) stop the instance; other transaction errors
 * abort the batch and re-read it from its first offsets.
 */
public final class GraderService implements Service {
    private static final Logger log = LoggerFactory.getLogger(GraderService.class);

    private final GraderServiceConfig config;
    private final Topics topics;
    private final String serviceName;
    private final ProgramGrader grader;
    private final RetryingGrader grading;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final ProblemTable problems;
    private final Deserializer<Sample> sampleDeserializer;
    private final RecordDecoder<String, Sample> decoder;
    private final Serializer<Feedback> feedbackSerializer;
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final DeadLetters deadLetters;
    private final StringSerializer keySerializer = new StringSerializer();
    private final SchemaRegistryClient registry;
    private final MeterRegistry meters;
    private final GraderMetrics metrics;
    private final ClusterWait startup;

    // The open transaction: its batches (empty when none is open) and when it began.
    private final List<Batch> open = new ArrayList<>();
    private long openedNanos;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private long skippedProblems;

    /** A service with a private meter registry. */
    public GraderService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /**
     * Checks the config (failing with a {@link org.apache.kafka.common.config.ConfigException} naming the bad or
     * unknown key), starts the grader and creates the Kafka clients. Nothing is read until {@link #run()}.
     */
    public GraderService(Map<String, ?> configs, MeterRegistry meters) {
        this(configs, meters, Grader::start);
    }

    /**
     * As {@link #GraderService(Map, MeterRegistry)}, with the grader {@code graders} starts from the checked grader
     * config in place of the sandboxed {@link Grader}: the pipeline benchmark's synthetic verdicts. The service owns
     * what it returns and closes it.
     */
    public GraderService(Map<String, ?> configs, MeterRegistry meters,
                         Function<GraderConfig, ? extends ProgramGrader> graders) {
        this.config = new GraderServiceConfig(configs);
        this.topics = config.topics();
        this.serviceName = "grader/" + config.instanceId();
        this.meters = meters;
        this.metrics = new GraderMetrics(meters, config.run(), serviceName, config.progressIntervalMs());
        this.startup = ClusterWait.of(config.originals(), serviceName).stoppingWhen(closing::get);

        // The checked config: renamed keys under their new names, every key one the grader reads.
        Map<String, Object> checked = config.originals();
        Map<String, Object> serdeConfig = ClientConfigs.serde(checked);
        this.registry = SchemaRegistryClient.create(serdeConfig);
        this.sampleDeserializer = AvroSerdes.serde(Sample.class, registry, serdeConfig, false).deserializer();
        this.feedbackSerializer = AvroSerdes.serde(Feedback.class, registry, serdeConfig, false).serializer();
        this.deadLetterSerializer = AvroSerdes.serde(DeadLetter.class, registry, serdeConfig, false).serializer();
        this.decoder = new RecordDecoder<>(new StringDeserializer(), sampleDeserializer);

        Map<String, Object> graderProps = new HashMap<>(checked);
        // Feedback names the instance that graded it, unless the grader's id is set on its own.
        graderProps.putIfAbsent(GraderConfig.ID_CONFIG, config.instanceId());
        GraderConfig graderConfig = new GraderConfig(graderProps); // validated before anything starts

        // Created in order; whatever exists is closed again if a later step fails, so a bad start leaks nothing.
        List<AutoCloseable> created = new ArrayList<>(List.of(registry));
        try {
            this.consumer = add(created, new KafkaConsumer<>(config.consumerConfig(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()));
            this.producer = add(created, new KafkaProducer<>(config.producerConfig(), new ByteArraySerializer(),
                    new ByteArraySerializer()));
            this.deadLetters = new DeadLetters(producer, deadLetterSerializer, serviceName);
            // Every split: the grader grades whatever sample names a problem, and a filter would turn a sample of
            // another split into an unknown-problem dead letter.
            this.problems = add(created, ProblemTable.open(checked, config.problemsClientId(), topics.problems(),
                    AvroSerdes.serde(Problem.class, registry, serdeConfig, false).deserializer(), p -> true,
                    this::skipProblem, startup.attemptTimeout()));
            this.grader = graders.apply(graderConfig);
            this.grading = new RetryingGrader(grader, config.sandboxErrorRetries(), config.run(), metrics);
        } catch (RuntimeException | Error e) {
            for (int i = created.size() - 1; i >= 0; i--) Utils.closeQuietly(created.get(i), "grader start-up");
            throw e;
        }
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> created, T closeable) {
        created.add(closeable);
        return closeable;
    }

    public GraderServiceConfig config() { return config; }

    public MeterRegistry meterRegistry() { return meters; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** Grades until {@link #close()} is called or a fatal error occurs (which it rethrows). */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("GraderService already ran");
        if (closing.get()) throw new IllegalStateException("GraderService was closed before it ran");
        boolean fenced = false;
        try {
            startup.awaitCluster("start grading for run " + config.run());
            startup.await("fence older instances of transactional.id " + config.transactionalId(),
                    producer::initTransactions);
            consumer.subscribe(List.of(topics.samples()), new RebalanceLogger());
            startup.await("read " + topics.problems() + " to its end", this::catchUpProblems);
            log.info("Grader {} grading {} as group {} (transactional.id {}, batches of up to {}), {} problems known",
                    serviceName, topics.samples(), config.groupId(), config.transactionalId(), config.batchMaxRecords(),
                    problems.size());
            while (!closing.get()) {
                // With a transaction open, take only what is fetched already: waiting would hold its batches back.
                ConsumerRecords<byte[], byte[]> records = poll(open.isEmpty() ? config.pollTimeoutMs() : 0);
                Batch batch = records.isEmpty() ? null : grade(records);
                if (batch != null && !send(batch)) continue;
                if (!open.isEmpty() && (batch == null || lingerOver())) commitOpen();
                metrics.logProgressIfDue();
            }
            if (!open.isEmpty()) commitOpen();
        } catch (ProducerFencedException e) {
            fenced = true;
            failure = e;
            log.error("Grader {} was fenced: another instance uses transactional.id {}; stopping", serviceName,
                    config.transactionalId());
            throw e;
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Grader {} stopped on an unrecoverable error", serviceName, e);
            throw e;
        } finally {
            metrics.logProgress();
            closeClients(fenced);
            stopped.countDown();
        }
    }

    /** The next samples; none once {@link #close()} has woken the consumer. */
    private ConsumerRecords<byte[], byte[]> poll(long timeoutMs) {
        try {
            return consumer.poll(Duration.ofMillis(timeoutMs));
        } catch (WakeupException e) {
            if (closing.get()) return ConsumerRecords.empty();
            throw e;
        }
    }

    /**
     * Decodes a batch, looks up each sample's problem and starts grading every program before anything is written:
     * grading is the slow part and runs in parallel. Null when the batch must be read again later.
     */
    private Batch grade(ConsumerRecords<byte[], byte[]> records) {
        Batch batch = new Batch(records);
        List<Decoded> decoded = new ArrayList<>(records.count());
        try {
            boolean missingProblem = false;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Decoded d = Decoded.of(decoder, record);
                decoded.add(d);
                missingProblem |= d.sample() != null && problems.get(d.sample().getProblemId()) == null;
            }
            if (missingProblem) catchUpProblems();
        } catch (SchemaRegistryException e) {
            // The registry being unreachable is not the records' fault: read the batch again later.
            log.warn("Schema registry unavailable while decoding a batch; reading it again: {}", e.toString());
            batch.rewind(consumer);
            pauseAfterAbort();
            return null;
        }
        for (Decoded d : decoded) {
            Problem problem = d.sample() == null ? null : problems.get(d.sample().getProblemId());
            if (d.sample() == null) batch.rejected.add(d);
            else if (problem == null) batch.rejected.add(d.unknownProblem(topics.problems()));
            else batch.pending.add(new Pending(d.record(), d.sample(), problem, grading.start(problem, d.sample())));
        }
        return batch;
    }

    /**
     * Sends a batch's dead letters and feedback, with its consumed offsets, in the open transaction (begun here if
     * none is). False when an abortable failure aborted the transaction: every batch of it is read again from its
     * first offsets.
     */
    private boolean send(Batch batch) {
        try {
            if (open.isEmpty()) {
                producer.beginTransaction();
                openedNanos = System.nanoTime();
            }
            open.add(batch);
            for (Decoded d : batch.rejected) producer.send(deadLetter(d));
            // Sent in poll order as each finishes, so the producer overlaps the network with grading.
            for (Pending p : batch.pending) {
                Feedback feedback = grading.await(p.future(), p.problem(), p.sample());
                batch.published.add(feedback);
                // On the sample's partition: the buffer joins a sample with its feedback in one task (the topics are
                // co-partitioned, by problem id: Partitions.ofProblem).
                producer.send(new ProducerRecord<>(topics.feedback(), p.record().partition(), p.record().timestamp(),
                        keySerializer.serialize(topics.feedback(), p.sample().getSampleId()),
                        feedbackSerializer.serialize(topics.feedback(), feedback)));
            }
            producer.sendOffsetsToTransaction(batch.nextOffsets, consumer.groupMetadata());
            return true;
        } catch (KafkaException e) {
            abortOpen(e);
            return false;
        }
    }

    /** Whether the open transaction has been open for {@value GraderServiceConfig#TRANSACTION_LINGER_MS_CONFIG}. */
    private boolean lingerOver() {
        return System.nanoTime() - openedNanos >= TimeUnit.MILLISECONDS.toNanos(config.transactionLingerMs());
    }

    /** Commits the open transaction; an abortable failure aborts it and reads its batches again. */
    private void commitOpen() {
        try {
            // A commit or abort that timed out (the broker away for longer than max.block.ms) may only be retried.
            Transactions.commitTransaction(producer, closing::get);
        } catch (KafkaException e) {
            abortOpen(e);
            return;
        }
        for (Batch b : open) metrics.committed(b.published, b.rejectedKinds(), b.polledNanos);
        open.clear();
    }

    private void abortOpen(KafkaException e) {
        if (Transactions.isFatal(e)) throw e;
        int samples = open.stream().mapToInt(b -> b.size).sum();
        log.warn("Aborting the transaction of {} batch(es), {} samples, and reading them again: {}", open.size(),
                samples, e.toString());
        Transactions.abortTransaction(producer, closing::get);
        metrics.aborted();
        // Newest first, so each partition ends at the first offset of the oldest batch that read it.
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).rewind(consumer);
        open.clear();
        pauseAfterAbort();
    }

    /** A short pause, so a persistent failure (say, the registry down) does not regrade the batch in a hot loop. */
    private void pauseAfterAbort() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.set(true);
        }
    }

    /** Reads the problems topic to its end; the service does so at start and before a batch naming a new problem. */
    private void catchUpProblems() {
        long before = problems.changes();
        problems.catchUp();
        if (problems.changes() != before)
            log.info("Read {} to its end: {} problems known", topics.problems(), problems.size());
    }

    /**
     * A problem record that does not decode is logged and skipped, not dead-lettered: every grader reads the whole
     * topic, so dead-lettering it here would repeat the dead letter once per instance and restart; the samples that
     * need it are dead-lettered instead (unknown problem).
     */
    private void skipProblem(RecordDecoder.Bad<String, Problem> bad) {
        skippedProblems++;
        ConsumerRecord<byte[], byte[]> r = bad.raw();
        log.warn("Skipping undecodable problem at {}-{}@{} (key {}): {} ({} skipped so far)", r.topic(), r.partition(),
                r.offset(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), bad.reason(),
                skippedProblems);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Decoded d) {
        ConsumerRecord<byte[], byte[]> record = d.record();
        log.warn("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), d.reason());
        return deadLetters.toProducerRecord(topics, record, Feedbacks.truncate(d.reason()), d.error());
    }

    /**
     * Stops the loop after the batch in hand is committed, then closes the clients and the grader. A
     * graceful stop leaves the group, so the other instances take the partitions over at once.
     */
    @Override
    public void close() {
        if (closing.getAndSet(true) && !started.get()) return;
        if (!started.get()) {
            closeClients(false);
            return;
        }
        consumer.wakeup();
        try {
            if (!stopped.await(config.maxPollIntervalMs(), TimeUnit.MILLISECONDS)) {
                log.warn("Grader {} did not stop within {} ms", serviceName, config.maxPollIntervalMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients(boolean fenced) {
        Utils.closeQuietly(() -> consumer.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(10))),
                "samples consumer");
        // A fenced producer must not try to abort: the new owner of the transactional.id already did.
        Utils.closeQuietly(() -> producer.close(fenced ? Duration.ZERO : Duration.ofSeconds(10)), "producer");
        Utils.closeQuietly(problems, "problems table");
        Utils.closeQuietly(grader, "grader");
        Utils.closeQuietly(sampleDeserializer, "sample deserializer");
        Utils.closeQuietly(feedbackSerializer, "feedback serializer");
        Utils.closeQuietly(deadLetterSerializer, "dead-letter serializer");
        Utils.closeQuietly(registry, "schema registry client");
    }

    /**
     * Runs a grader until SIGTERM/SIGINT. Arguments are {@code key=value} config entries (see
     * {@link GraderServiceConfig} and {@link GraderConfig}); {@code --help} prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(GraderServiceConfig.SPEC, args, GraderService::new);
    }

    private final class RebalanceLogger implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) log.info("Grader {} assigned {}", serviceName, partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) log.info("Grader {} revoked {}", serviceName, partitions);
            // A lingering transaction is handed over committed, as Kafka Streams commits before a rebalance: its
            // offsets belong to this generation of the group. Without linger none is open during a poll.
            if (!open.isEmpty()) commitOpen();
        }
    }
}
