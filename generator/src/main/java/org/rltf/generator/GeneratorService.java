package org.rltf.generator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.ProblemTable;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator service: training problems in, sampled programs out (RLTF-METHOD.md section 5).
 *
 * <p>Each round takes the next {@code generator.batch.problems} training problems (in problem-id order, round
 * robin), samples them with the newest checkpoint it has ({@link RoundSampler}: one greedy program and k sampled
 * ones per problem) and publishes them to {@code samples}, keyed by sample id ({@link SampleIds}). Record timestamps
 * come from {@link EventClock}, a logical clock anchored on checkpoint event times: no wall clock decides anything.
 *
 * <p>Between rounds (never inside one) it reads what has arrived, with {@code read_committed}: new problems
 * ({@link ProblemTable}), new checkpoints ({@link CheckpointFollower}: verified, then switched to, or dead-lettered
 * with the old weights kept) and the learner's committed steps. Records that cannot be decoded are dead-lettered,
 * and the service carries on. Backpressure: {@link RateLimiter} keeps it within a samples-per-learner-step ratio.
 *
 * <p>Restart: the generator adopts the newest valid checkpoint and continues where its own samples of that version
 * end ({@link ResumePoint}), so no sample id is ever reused. Publishing is at-least-once with an idempotent producer.
 */
public final class GeneratorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(GeneratorService.class);
    /** Bounds each metadata request and reading the problems to their end. */
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(60);

    private final GeneratorConfig config;
    private final Topics topics;
    private final String serviceName;
    private final Duration pollTimeout;
    private final MeterRegistry meters;
    private final GeneratorMetrics metrics;
    private final SchemaRegistryClient registry;
    private final Serializer<Sample> sampleSerializer;
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final StringSerializer keySerializer = new StringSerializer();
    private final RecordDecoder<String, Checkpoint> checkpointDecoder;
    private final RecordDecoder<String, LearnerStep> stepDecoder;
    private final KafkaProducer<byte[], byte[]> producer;
    private final DeadLetters deadLetters;
    private final KafkaConsumer<byte[], byte[]> control;
    private final ProblemTable problems;
    private final CheckpointFollower follower;
    private final RoundSampler sampler;
    private final RateLimiter limiter;
    private final EventClock clock;

    private long round;
    private long cursor;
    private int consumed; // cycle positions the last chunk took
    private boolean deadLettersPending;
    private boolean waitingLogged;
    private long lastProgressNanos = System.nanoTime();

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile long publishedVersion = -1;
    private volatile long roundsDone;

    public GeneratorService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /**
     * Checks and validates the config (an unknown key or a bad value fails here, naming the key) and creates the
     * clients; nothing runs and nothing connects yet.
     */
    public GeneratorService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new GeneratorConfig(configs);
        this.topics = config.topics();
        this.serviceName = "generator/" + config.generatorId();
        this.pollTimeout = Duration.ofMillis(config.pollTimeoutMs());
        this.meters = meters;
        this.metrics = new GeneratorMetrics(meters, config.run());
        this.limiter = new RateLimiter(config.rateLimitSamplesPerStep(), config.rateLimitErrorBuffer());
        this.clock = new EventClock(config.eventTimeTickMs());
        this.sampler = new RoundSampler(config);

        Map<String, Object> serde = ClientConfigs.serde(config.originals());
        this.registry = SchemaRegistryClient.create(serde);
        this.sampleSerializer = AvroSerdes.serde(Sample.class, registry, serde, false).serializer();
        this.deadLetterSerializer = AvroSerdes.serde(DeadLetter.class, registry, serde, false).serializer();
        StringDeserializer keys = new StringDeserializer();
        this.checkpointDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Checkpoint.class, registry, serde, false).deserializer());
        this.stepDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(LearnerStep.class, registry, serde, false).deserializer());

        this.producer = new KafkaProducer<>(config.producerConfigs(), new ByteArraySerializer(), new ByteArraySerializer());
        this.deadLetters = new DeadLetters(producer, deadLetterSerializer, serviceName);
        this.control = new KafkaConsumer<>(config.consumerConfigs(GeneratorConfig.CONTROL_CONSUMER),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // The table builds its consumer from the same whole config: consumerConfigs(PROBLEMS_CONSUMER).
        this.problems = ProblemTable.open(config.originals(), config.clientId(GeneratorConfig.PROBLEMS_CONSUMER),
                topics.problems(), AvroSerdes.serde(Problem.class, registry, serde, false).deserializer(),
                ProblemTable.splits(Set.copyOf(config.problemsSplits())), this::deadLetterProblem, CLUSTER_TIMEOUT);
        this.follower = new CheckpointFollower(config.checkpointStoreDir(), config.maxNewTokens(), topics, deadLetters,
                metrics, serviceName);
    }

    public GeneratorConfig config() { return config; }

    public MeterRegistry meterRegistry() { return meters; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** The policy version of the newest published round, -1 before the first. */
    public long publishedVersion() { return publishedVersion; }

    public long rounds() { return roundsDone; }

    /** Generates until {@link #close()}, {@code generator.max.rounds}, or a fatal error (rethrown). */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("GeneratorService already ran");
        if (closing.get()) throw new IllegalStateException("GeneratorService was closed before it ran");
        try {
            catchUp();
            log.info("Generator {} on run {}: {} training problems, policy version {}, round {}, {}",
                    serviceName, config.run(), problems.size(), follower.version(), round, limiter);
            while (!closing.get() && (config.maxRounds() == 0 || roundsDone < config.maxRounds())) {
                readControl(Duration.ZERO);
                if (!follower.hasPolicy() || problems.isEmpty()) { // nothing to sample with, or nothing to sample
                    readControl(pollTimeout);
                    continue;
                }
                List<Problem> chunk = nextChunk();
                if (!limiter.tryAcquire(chunk.size() * sampler.samplesPerProblem())) {
                    waitForLearner();
                    continue;
                }
                publishRound(chunk);
                logProgressIfDue();
            }
        } catch (WakeupException e) {
            if (!closing.get()) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Generator {} stopped on an unrecoverable error", serviceName, e);
            throw e;
        } finally {
            logProgress();
            closeClients();
            stopped.countDown();
        }
    }

    // ---- reading: problems, checkpoints, learner steps -----------------------------------------------------------

    /**
     * Reads the problems and the control topics to their current ends, then adopts the newest checkpoint that
     * verifies (older ones are not loaded one by one) and resumes this generator's round count and clock under it.
     */
    private void catchUp() {
        problems.catchUp();
        Partitions.assignFromBeginning(control, List.of(topics.checkpoints(), topics.learnerSteps()), CLUSTER_TIMEOUT);
        Map<TopicPartition, Long> ends = control.endOffsets(control.assignment(), CLUSTER_TIMEOUT);
        List<ConsumerRecord<byte[], byte[]>> checkpoints = new ArrayList<>();
        while (!closing.get() && !Partitions.reached(control, ends)) {
            for (ConsumerRecord<byte[], byte[]> raw : control.poll(pollTimeout)) {
                if (raw.topic().equals(topics.checkpoints())) checkpoints.add(raw);
                else handleControl(raw);
            }
        }
        // Newest first; a refused one is dead-lettered and the next older one is tried.
        for (int i = checkpoints.size() - 1; i >= 0 && !follower.hasPolicy(); i--) handleControl(checkpoints.get(i));
        flushDeadLetters();
        if (follower.hasPolicy()) resume();
        limiter.resumeAt(limiter.learnerStep());
    }

    /** Continues this generator's round count and clock after its newest sample of the adopted version. */
    private void resume() {
        try (KafkaConsumer<String, byte[]> scan = new KafkaConsumer<>(
                config.consumerConfigs(GeneratorConfig.RESUME_CONSUMER), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            ResumePoint at = ResumePoint.find(scan, topics.samples(), config.generatorId(), follower.version(),
                    follower.anchor(), CLUSTER_TIMEOUT, pollTimeout);
            round = at.round();
            if (at.found()) {
                clock.advanceTo(at.newestStamp());
                log.info("Generator {} resumes at round {} of v{} after {} of its samples already published",
                        serviceName, round, follower.version(), at.samplesFound());
            }
        }
    }

    /** Takes what has arrived on the problems and control topics, waiting up to {@code timeout} for the latter. */
    private void readControl(Duration timeout) {
        problems.poll();
        ConsumerRecords<byte[], byte[]> records = control.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> raw : records) handleControl(raw);
        flushDeadLetters();
    }

    private void handleControl(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.topic().equals(topics.checkpoints())) {
            checkpointDecoder.decodeOrDeadLetter(raw, deadLetters).ifPresentOrElse(r -> {
                Checkpoint c = r.value();
                limiter.learnerProgress(c.getStep());
                switch (follower.offer(raw, c)) {
                    case ADOPTED -> round = 0; // a new version's rounds count from 0
                    case REFUSED -> deadLettersPending = true;
                    case IGNORED -> { }
                }
            }, this::deadLettered);
        } else if (raw.topic().equals(topics.learnerSteps())) {
            stepDecoder.decodeOrDeadLetter(raw, deadLetters)
                    .ifPresentOrElse(r -> limiter.learnerProgress(r.value().getStep()), this::deadLettered);
        }
    }

    private void deadLetterProblem(RecordDecoder.Bad<String, Problem> bad) {
        deadLetters.publish(topics, bad.raw(), bad.reason(), bad.error());
        deadLettered();
    }

    private void deadLettered() {
        metrics.deadLettered();
        deadLettersPending = true;
    }

    /** Waits until the dead letters sent so far are acknowledged. */
    private void flushDeadLetters() {
        if (!deadLettersPending) return;
        deadLetters.flush();
        deadLettersPending = false;
    }

    private void waitForLearner() {
        if (!waitingLogged) {
            log.info("Generator {} waits for the learner: {}", serviceName, limiter);
            waitingLogged = true;
        }
        readControl(pollTimeout);
    }

    // ---- generation ----------------------------------------------------------------------------------------------

    /**
     * The next batch.problems distinct problems of a round-robin cycle (fewer only when the run has fewer problems):
     * every problem in id order, then the problems without references another generator.tests.only.weight - 1 times.
     */
    private List<Problem> nextChunk() {
        List<Problem> all = problems.list();
        List<Problem> cycle = new ArrayList<>(all);
        if (config.testsOnlyWeight() > 1) {
            List<Problem> testsOnly = all.stream().filter(p -> p.getReferenceSolutions().isEmpty()).toList();
            for (int i = 1; i < config.testsOnlyWeight(); i++) cycle.addAll(testsOnly);
        }
        int size = Math.min(config.batchProblems(), all.size());
        java.util.LinkedHashMap<String, Problem> chunk = new java.util.LinkedHashMap<>();
        consumed = 0;
        while (chunk.size() < size && consumed < cycle.size()) {
            Problem p = cycle.get((int) ((cursor + consumed) % cycle.size()));
            chunk.putIfAbsent(p.getId(), p); // a sample id names its problem once per round
            consumed++;
        }
        return new ArrayList<>(chunk.values());
    }

    private void publishRound(List<Problem> chunk) {
        long start = System.nanoTime();
        waitingLogged = false;
        cursor += consumed;
        List<Sample> samples = sampler.sample(follower.policy(), follower.version(), round, chunk);
        for (int i = 0; i < samples.size(); i++) {
            // Asked to stop: drop the rest of the round rather than wait out sends that may block (a broker that is
            // gone holds each one for max.block.ms). A restart treats the partial round as it treats a crash: it
            // continues with the next round number, so no sample id is reused.
            if (closing.get()) {
                log.info("Generator {} stops mid-round: {} of {} samples published", serviceName, i, samples.size());
                return;
            }
            send(samples.get(i));
        }
        producer.flush();
        publishedVersion = follower.version();
        round++;
        roundsDone++;
        metrics.roundPublished(samples.size(), System.nanoTime() - start);
    }

    private void send(Sample s) {
        String topic = topics.samples();
        producer.send(new ProducerRecord<>(topic, null, clock.next(follower.anchor()),
                keySerializer.serialize(topic, s.getSampleId()), sampleSerializer.serialize(topic, s)));
    }

    // ---- progress, lifecycle -------------------------------------------------------------------------------------

    private void logProgressIfDue() {
        if (System.nanoTime() - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs()))
            logProgress();
    }

    private void logProgress() {
        lastProgressNanos = System.nanoTime();
        log.info("Generator {}: {}, policy v{}, {}", serviceName, metrics.summary(roundsDone), follower.version(),
                limiter);
    }

    /** Stops after the round in hand is published (or cut short), then closes the clients and the model. */
    @Override
    public void close() {
        if (closing.getAndSet(true)) return;
        if (!started.get()) {
            closeClients();
            return;
        }
        control.wakeup();
        try {
            if (!stopped.await(5, TimeUnit.MINUTES)) log.warn("Generator {} did not stop within 5 minutes", serviceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients() {
        Utils.closeQuietly(problems, "problems table");
        Utils.closeQuietly(control, "control consumer");
        Utils.closeQuietly(() -> producer.close(Duration.ofSeconds(10)), "producer");
        Utils.closeQuietly(sampleSerializer, "sample serializer");
        Utils.closeQuietly(deadLetterSerializer, "dead-letter serializer");
        Utils.closeQuietly(registry, "schema registry client");
        Utils.closeQuietly(follower, "policy");
    }

    /**
     * Runs a generator until SIGTERM/SIGINT. Arguments are {@code key=value} entries (see {@link GeneratorConfig}),
     * optionally {@code --config-file F}; environment variables {@code RLTF_GENERATOR_...} apply too; {@code --help}
     * prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(GeneratorConfig.SPEC, args, GeneratorService::new);
    }
}
