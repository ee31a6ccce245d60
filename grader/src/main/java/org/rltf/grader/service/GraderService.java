package org.rltf.grader.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.events.DeadLetter;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grader service: samples in, feedback out, exactly once.
 *
 * <p>Each poll of the samples topic is one batch and one transaction. The batch's programs are graded
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
 * SANDBOX_ERROR (the grader's own failure) is graded again up to {@code sandbox.error.retries} times;
 * if it still fails that verdict is published, so the sample is accounted for, and streams leaves it
 * out of the rewards.
 *
 * <p>Instances scale out as one consumer group; each has its own transactional.id. Fatal producer
 * errors (fenced by a newer instance with the same id) stop the instance; other transaction errors
 * abort the batch and re-read it from its first offsets.
 */
public final class GraderService implements Service {
    private static final Logger log = LoggerFactory.getLogger(GraderService.class);
    private static final int MAX_MESSAGE_CHARS = 1000;

    private final GraderServiceConfig config;
    private final Topics topics;
    private final String serviceName;
    private final Grader grader;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final ProblemIndex problems;
    private final Deserializer<Sample> sampleDeserializer;
    private final RecordDecoder<String, Sample> decoder;
    private final Serializer<Feedback> feedbackSerializer;
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final DeadLetters deadLetters;
    private final StringSerializer keySerializer = new StringSerializer();
    private final SchemaRegistryClient registry;

    private final MeterRegistry meters;
    private final Map<Outcome, Counter> outcomeCounters = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> deadLetterCounters = new HashMap<>();
    private final Timer gradeTimer;
    private final Timer batchTimer;
    private final Counter abortedTransactions;
    private final Counter sandboxRetries;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;

    // Progress log state (wall clock is used only to report throughput).
    private long graded;
    private long deadLettered;
    private long lastProgressNanos = System.nanoTime();
    private long gradedAtLastProgress;

    /** A service with a private meter registry. */
    public GraderService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /**
     * Validates the config (failing with a {@link org.apache.kafka.common.config.ConfigException} naming
     * the bad key), starts the grader and creates the Kafka clients. Nothing is read until {@link #run()}.
     */
    public GraderService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new GraderServiceConfig(configs);
        this.topics = config.topics();
        this.serviceName = "grader/" + config.instanceId();
        this.meters = meters;

        Map<String, Object> serdeConfig = new HashMap<>(configs);
        serdeConfig.put(GraderServiceConfig.SCHEMA_REGISTRY_URL_CONFIG, config.schemaRegistryUrl());
        this.registry = SchemaRegistryClient.create(serdeConfig);
        this.sampleDeserializer = AvroSerdes.serde(Sample.class, registry, serdeConfig, false).deserializer();
        this.feedbackSerializer = AvroSerdes.serde(Feedback.class, registry, serdeConfig, false).serializer();
        this.deadLetterSerializer = AvroSerdes.serde(DeadLetter.class, registry, serdeConfig, false).serializer();

        for (Outcome outcome : Outcome.values()) {
            outcomeCounters.put(outcome, Counter.builder("rltf.grader.feedback").tag("run", config.run())
                    .tag("outcome", outcome.name()).description("Feedback events committed, by outcome").register(meters));
        }
        this.gradeTimer = Timer.builder("rltf.grader.grade").tag("run", config.run())
                .description("Time to grade one program, as the grader measured it").register(meters);
        this.batchTimer = Timer.builder("rltf.grader.batch").tag("run", config.run())
                .description("Time from a batch's poll to its committed transaction").register(meters);
        this.abortedTransactions = Counter.builder("rltf.grader.transactions.aborted").tag("run", config.run())
                .description("Batches whose transaction was aborted and re-read").register(meters);
        this.sandboxRetries = Counter.builder("rltf.grader.sandbox.retries").tag("run", config.run())
                .description("Programs graded again after a SANDBOX_ERROR").register(meters);

        this.decoder = new RecordDecoder<>(new StringDeserializer(), sampleDeserializer);
        Map<String, Object> graderProps = new HashMap<>(configs);
        // Feedback names the instance that graded it, unless the grader's id is set on its own.
        graderProps.putIfAbsent(GraderConfig.ID_CONFIG, config.instanceId());
        GraderConfig graderConfig = new GraderConfig(graderProps); // validated before anything starts

        // Created in order; whatever exists is closed again if a later step fails, so a bad start leaks nothing.
        List<AutoCloseable> created = new ArrayList<>(List.of(registry));
        try {
            this.consumer = add(created, new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()));
            this.producer = add(created, new KafkaProducer<>(producerConfig(), new ByteArraySerializer(),
                    new ByteArraySerializer()));
            this.deadLetters = new DeadLetters(producer, deadLetterSerializer, serviceName);
            this.problems = add(created, new ProblemIndex(
                    new KafkaConsumer<>(problemsConsumerConfig(), new StringDeserializer(), new ByteArrayDeserializer()),
                    AvroSerdes.serde(Problem.class, registry, serdeConfig, false).deserializer(), topics.problems(),
                    Duration.ofSeconds(60)));
            this.grader = Grader.start(graderConfig);
        } catch (RuntimeException | Error e) {
            for (int i = created.size() - 1; i >= 0; i--) closeQuietly(created.get(i));
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
            producer.initTransactions();
            consumer.subscribe(List.of(topics.samples()), new RebalanceLogger());
            problems.catchUp();
            log.info("Grader {} grading {} as group {} (transactional.id {}, batches of up to {}), {} problems known",
                    serviceName, topics.samples(), config.groupId(), config.transactionalId(), config.batchMaxRecords(),
                    problems.size());
            while (!closing.get()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(config.pollTimeoutMs()));
                } catch (WakeupException e) {
                    if (closing.get()) break;
                    throw e;
                }
                if (!records.isEmpty()) processBatch(records);
                logProgressIfDue();
            }
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
            logProgress();
            closeClients(fenced);
            stopped.countDown();
        }
    }

    private void processBatch(ConsumerRecords<byte[], byte[]> records) {
        long batchStart = System.nanoTime();
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
        List<Decoded> decoded = new ArrayList<>(records.count());
        boolean missingProblem = false;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            firstOffsets.putIfAbsent(tp, record.offset());
            nextOffsets.put(tp, new OffsetAndMetadata(record.offset() + 1));
        }
        try {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Decoded d = decode(record);
                decoded.add(d);
                missingProblem |= d.sample != null && problems.get(d.sample.getProblemId()) == null;
            }
        } catch (SchemaRegistryException e) {
            // The registry being unreachable is not the records' fault: read the batch again later.
            log.warn("Schema registry unavailable while decoding a batch; reading it again: {}", e.toString());
            rewind(firstOffsets);
            pauseAfterAbort();
            return;
        }
        if (missingProblem) problems.catchUp();

        // Start every program before writing anything: grading is the slow part and runs in parallel.
        List<Pending> pending = new ArrayList<>(decoded.size());
        List<Decoded> rejected = new ArrayList<>();
        for (Decoded d : decoded) {
            if (d.sample == null) {
                rejected.add(d);
                continue;
            }
            Problem problem = problems.get(d.sample.getProblemId());
            if (problem == null) {
                rejected.add(new Decoded(d.record, null, "unknown problem '" + d.sample.getProblemId() + "' of sample '"
                        + d.sample.getSampleId() + "': not in " + topics.problems() + " after reading it to its end",
                        new InvalidEventException("unknown problem " + d.sample.getProblemId()), "unknown-problem"));
                continue;
            }
            pending.add(new Pending(d.record, d.sample, problem, gradeSafely(problem, d.sample)));
        }

        List<Feedback> published = new ArrayList<>(pending.size());
        try {
            producer.beginTransaction();
            for (Decoded d : rejected) producer.send(deadLetter(d.record, d.reason, d.error));
            // Sent in poll order as each finishes, so the producer overlaps the network with grading.
            for (Pending p : pending) {
                Feedback feedback = awaitWithRetries(p);
                published.add(feedback);
                producer.send(new ProducerRecord<>(topics.feedback(), null, p.record.timestamp(),
                        keySerializer.serialize(topics.feedback(), p.sample.getSampleId()),
                        feedbackSerializer.serialize(topics.feedback(), feedback)));
            }
            producer.sendOffsetsToTransaction(nextOffsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
            throw e;
        } catch (KafkaException e) {
            log.warn("Aborting the transaction of a batch of {} samples and reading it again: {}", records.count(),
                    e.toString());
            producer.abortTransaction();
            abortedTransactions.increment();
            rewind(firstOffsets);
            pauseAfterAbort();
            return;
        }
        // Counted only once committed, so the metrics agree with what read_committed consumers see.
        for (Feedback feedback : published) {
            outcomeCounters.get(feedback.getOutcome()).increment();
            gradeTimer.record(feedback.getGradeTimeMs(), TimeUnit.MILLISECONDS);
        }
        for (Decoded d : rejected) {
            deadLetterCounters.computeIfAbsent(d.kind, k -> Counter.builder("rltf.grader.dead.letters")
                    .tag("run", config.run()).tag("reason", k)
                    .description("Sample records sent to the dead-letter topic, by reason").register(meters)).increment();
        }
        graded += published.size();
        deadLettered += rejected.size();
        batchTimer.record(System.nanoTime() - batchStart, TimeUnit.NANOSECONDS);
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

    private Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        RecordDecoder.Decoded<String, Sample> result = decoder.decode(record);
        if (result instanceof RecordDecoder.Bad<String, Sample> bad) {
            return new Decoded(record, null, "cannot decode a Sample: " + bad.reason(), bad.error(), "malformed");
        }
        Sample sample = ((RecordDecoder.Good<String, Sample>) result).record().value();
        if (sample.getSampleId().isEmpty() || sample.getProblemId().isEmpty()) {
            String field = sample.getSampleId().isEmpty() ? "sample_id" : "problem_id";
            return new Decoded(record, null, "sample has an empty " + field,
                    new InvalidEventException("empty " + field), "invalid");
        }
        return new Decoded(record, sample, null, null, null);
    }

    private void rewind(Map<TopicPartition, Long> firstOffsets) {
        for (Map.Entry<TopicPartition, Long> first : firstOffsets.entrySet()) {
            if (consumer.assignment().contains(first.getKey())) consumer.seek(first.getKey(), first.getValue());
        }
    }

    private CompletableFuture<Feedback> gradeSafely(Problem problem, Sample sample) {
        try {
            return grader.gradeAsync(problem, sample);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Feedback awaitWithRetries(Pending p) {
        Feedback feedback = await(p.future, p);
        for (int retry = 0; retry < config.sandboxErrorRetries() && feedback.getOutcome() == Outcome.SANDBOX_ERROR; retry++) {
            log.warn("Sandbox error grading {} ({}: {}); grading it again", p.sample.getSampleId(),
                    feedback.getErrorClass(), feedback.getErrorMessage());
            sandboxRetries.increment();
            feedback = await(gradeSafely(p.problem, p.sample), p);
        }
        return Feedback.newBuilder(feedback).setRun(config.run()).build();
    }

    /** The grader's verdict; a grader that throws instead of answering is its own failure, SANDBOX_ERROR. */
    private Feedback await(CompletableFuture<Feedback> future, Pending p) {
        try {
            return future.join();
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            log.error("Grader failed on sample {}", p.sample.getSampleId(), cause);
            return sandboxError(p, cause);
        }
    }

    private Feedback sandboxError(Pending p, Throwable cause) {
        return Feedback.newBuilder()
                .setRun(config.run())
                .setSampleId(p.sample.getSampleId())
                .setProblemId(p.sample.getProblemId())
                .setPolicyVersion(p.sample.getPolicyVersion())
                .setOutcome(Outcome.SANDBOX_ERROR)
                .setPassed(0)
                .setTotal(testCount(p.problem))
                .setTests(List.of())
                .setErrorClass(cause.getClass().getSimpleName())
                .setErrorMessage(truncate(String.valueOf(cause.getMessage())))
                .setErrorLine(null)
                .setErrorCategory(ErrorCategory.NONE)
                .setErrorSpanStart(null)
                .setErrorSpanEnd(null)
                .setGraderId(grader.id())
                .setGradeTimeMs(0)
                .build();
    }

    private static int testCount(Problem problem) {
        return problem.getTests().getKind() == TestKind.ASSERT
                ? problem.getTests().getAsserts().size() : problem.getTests().getInputs().size();
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error) {
        log.warn("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        return deadLetters.toProducerRecord(topics, record, truncate(reason), error);
    }

    private static String truncate(String s) {
        return s.length() <= MAX_MESSAGE_CHARS ? s : s.substring(0, MAX_MESSAGE_CHARS) + "...";
    }

    private void logProgressIfDue() {
        if (System.nanoTime() - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs())) {
            logProgress();
        }
    }

    private void logProgress() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - lastProgressNanos) / 1e9);
        long recent = graded - gradedAtLastProgress;
        Map<String, Long> outcomes = new LinkedHashMap<>();
        outcomeCounters.forEach((outcome, counter) -> {
            if (counter.count() > 0) outcomes.put(outcome.name(), (long) counter.count());
        });
        log.info("Grader {}: {} graded (+{} in {}s, {}/s), outcomes {}, {} dead letters, {} aborted batches, mean grade {} ms",
                serviceName, graded, recent, String.format("%.1f", seconds), String.format("%.2f", recent / seconds),
                outcomes, deadLettered, (long) abortedTransactions.count(),
                String.format("%.0f", gradeTimer.mean(TimeUnit.MILLISECONDS)));
        lastProgressNanos = now;
        gradedAtLastProgress = graded;
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
        closeQuietly(() -> consumer.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(10))));
        // A fenced producer must not try to abort: the new owner of the transactional.id already did.
        closeQuietly(() -> producer.close(fenced ? Duration.ZERO : Duration.ofSeconds(10)));
        closeQuietly(problems::close);
        closeQuietly(grader::close);
        closeQuietly(sampleDeserializer::close);
        closeQuietly(feedbackSerializer::close);
        closeQuietly(deadLetterSerializer::close);
        closeQuietly(registry::close);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Error while closing: {}", e.toString());
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "rltf-grader-" + config.run() + "-" + config.instanceId());
        if (config.hasStableInstanceId()) {
            // Static membership: a restart under the same name takes its partitions back without a rebalance.
            c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
        }
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchMaxRecords());
        c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, config.maxPollIntervalMs());
        c.putAll(config.originalsWithPrefix("consumer."));
        return c;
    }

    private Map<String, Object> problemsConsumerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "rltf-grader-" + config.run() + "-" + config.instanceId() + "-problems");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return c;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "rltf-grader-" + config.run() + "-" + config.instanceId());
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, config.transactionTimeoutMs());
        c.putAll(config.originalsWithPrefix("producer."));
        return c;
    }

    /**
     * Runs a grader until SIGTERM/SIGINT. Arguments are {@code key=value} config entries (see
     * {@link GraderServiceConfig} and {@link GraderConfig}); {@code --help} prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(GraderServiceConfig.SPEC, args, GraderService::new);
    }

    /** Runs a grader on this thread until the JVM is asked to stop; for {@code main} and the CLI. */
    public static void runUntilShutdown(Map<String, ?> configs) {
        GraderService service = new GraderService(configs);
        Thread hook = new Thread(service::close, "grader-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        service.run();
    }

    private record Decoded(ConsumerRecord<byte[], byte[]> record, Sample sample, String reason, Throwable error,
                           String kind) {
    }

    private record Pending(ConsumerRecord<byte[], byte[]> record, Sample sample, Problem problem,
                           CompletableFuture<Feedback> future) {
    }

    private final class RebalanceLogger implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) log.info("Grader {} assigned {}", serviceName, partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Nothing to hand over: a batch's transaction is always committed or aborted before the next poll.
            if (!partitions.isEmpty()) log.info("Grader {} revoked {}", serviceName, partitions);
        }
    }
}
