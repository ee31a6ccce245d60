package org.rltf.generator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Outages;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.ProblemTable;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.kernel.Transactions;
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
 * <p><b>Publishing: a round whole, or not at all.</b> A round is one Kafka transaction ({@link Transactions#commit}):
 * every send's result is checked by the commit, and a round the broker could not take (it was down, a send timed out)
 * is aborted and published again after a backoff, for as long as the outage lasts. Readers with
 * {@code read_committed} (the graders, the buffer) see each committed round once and nothing of an aborted one. A
 * record the broker refuses for good (too large) stops the generator with that error rather than drop it. A crash
 * or a stop mid-round leaves an aborted transaction, which a restart (fencing the old instance by transactional.id)
 * publishes again under the same round number.
 *
 * <p>Between rounds (never inside one) it reads what has arrived, with {@code read_committed}: new problems
 * ({@link ProblemTable}), new checkpoints ({@link CheckpointFollower}: verified, then switched to, or dead-lettered
 * with the old weights kept), the learner's committed steps, and the run's samples. Records that cannot be decoded
 * are dead-lettered, and the service carries on. Backpressure: {@link RateLimiter} keeps the run's generators
 * together within a samples-per-learner-step ratio, counting every generator's samples in the samples topic.
 * Outages of the broker or the schema registry are waited out ({@link Outages}); at start-up for at most
 * {@code startup.timeout.ms} ({@link ClusterWait}).
 *
 * <p>Restart: the generator adopts the newest valid checkpoint and continues where its own samples of that version
 * end ({@link ResumePoint}), so no sample id is ever reused.
 */
public final class GeneratorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(GeneratorService.class);

    private final GeneratorConfig config;
    private final Topics topics;
    private final String serviceName;
    private final Duration pollTimeout;
    private final MeterRegistry meters;
    private final GeneratorMetrics metrics;
    private final ClusterWait startup;
    private final SchemaRegistryClient registry;
    private final Serializer<Sample> sampleSerializer;
    private final StringSerializer keySerializer = new StringSerializer();
    private final RecordDecoder<String, Checkpoint> checkpointDecoder;
    private final RecordDecoder<String, LearnerStep> stepDecoder;
    /** Transactional: one transaction per round. */
    private final KafkaProducer<byte[], byte[]> producer;
    private final DeadLetters deadLetters;
    /** Reads the checkpoints, the learner's steps and the run's samples. */
    private final KafkaConsumer<byte[], byte[]> control;
    private final ProblemTable problems;
    private final CheckpointFollower follower;
    private final RoundSampler sampler;
    private final RateLimiter limiter;
    private final ProblemCycle cycle;
    private final EventClock clock;

    private long round;
    /** The samples topic's partition count, read at start: each sample goes to its problem's partition. */
    private int samplePartitions;
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
        this.cycle = new ProblemCycle(config.batchProblems(), config.testsOnlyWeight());
        this.startup = ClusterWait.of(config.originals(), serviceName).stoppingWhen(closing::get);

        Map<String, Object> serde = ClientConfigs.serde(config.originals());
        this.registry = SchemaRegistryClient.create(serde);
        this.sampleSerializer = AvroSerdes.serde(Sample.class, registry, serde, false).serializer();
        StringDeserializer keys = new StringDeserializer();
        this.checkpointDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Checkpoint.class, registry, serde, false).deserializer());
        this.stepDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(LearnerStep.class, registry, serde, false).deserializer());

        this.producer = new KafkaProducer<>(config.producerConfigs(), new ByteArraySerializer(), new ByteArraySerializer());
        this.deadLetters = DeadLetters.create(config.originals(), serviceName);
        this.control = new KafkaConsumer<>(config.consumerConfigs(GeneratorConfig.CONTROL_CONSUMER),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // The table builds its consumer from the same whole config: consumerConfigs(PROBLEMS_CONSUMER).
        this.problems = ProblemTable.open(config.originals(), config.clientId(GeneratorConfig.PROBLEMS_CONSUMER),
                topics.problems(), AvroSerdes.serde(Problem.class, registry, serde, false).deserializer(),
                ProblemTable.splits(Set.copyOf(config.problemsSplits())), this::deadLetterProblem,
                startup.attemptTimeout());
        this.follower = new CheckpointFollower(config.checkpointStoreDir(), config.maxNewTokens(), topics, deadLetters,
                metrics, serviceName);
    }

    public GeneratorConfig config() { return config; }

    public MeterRegistry meterRegistry() { return meters; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** The policy version of the newest published round, -1 before the first. */
    public long publishedVersion() { return publishedVersion; }

    /** Rounds published (committed) by this instance. */
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
            while (!closing.get() && (config.maxRounds() == 0 || roundsDone < config.maxRounds()))
                Outages.retry(log, "Generator " + serviceName, this::step, closing::get);
        } catch (WakeupException e) {
            if (!closing.get()) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            if (closing.get() && Outages.isTransient(e)) {
                log.info("Generator {} stops during an outage", serviceName);
            } else {
                failure = e;
                log.error("Generator {} stopped on an unrecoverable error", serviceName, e);
                throw e;
            }
        } finally {
            logProgress();
            closeClients();
            stopped.countDown();
        }
    }

    /** One turn of the loop: read what arrived, then publish a round if there is a policy, a problem and room. */
    private void step() {
        readControl(Duration.ZERO);
        if (!follower.hasPolicy() || problems.isEmpty()) { // nothing to sample with, or nothing to sample
            readControl(pollTimeout);
            return;
        }
        List<Problem> chunk = cycle.next(problems.list());
        if (!limiter.tryAcquire(chunk.size() * sampler.samplesPerProblem())) {
            waitForLearner();
            return;
        }
        publishRound(chunk);
        logProgressIfDue();
    }

    // ---- reading: problems, checkpoints, learner steps, samples --------------------------------------------------

    /**
     * Fences an older instance of this generator (its open round is aborted), reads the problems and the control
     * topics to their current ends, then adopts the newest checkpoint that verifies (older ones are not loaded one
     * by one) and resumes this generator's round count and clock under it.
     */
    private void catchUp() {
        startup.awaitCluster("start generating for run " + config.run());
        startup.await("fence older instances of transactional.id " + config.transactionalId(), producer::initTransactions);
        startup.await("read " + topics.problems() + " to its end", problems::catchUp);
        Backlog backlog = startup.await("read " + topics.checkpoints() + ", " + topics.learnerSteps() + " and "
                + topics.samples() + " to their ends", this::readBacklog);
        // Newest first; a refused one is dead-lettered and the next older one is tried.
        for (int i = backlog.checkpoints.size() - 1; i >= 0 && !follower.hasPolicy(); i--)
            offer(backlog.raw.get(i), backlog.checkpoints.get(i));
        flushDeadLetters();
        samplePartitions = backlog.samplePartitions;
        limiter.counted(backlog.samples);
        if (follower.hasPolicy()) {
            ResumePoint at = backlog.own.getOrDefault(follower.version(), ResumePoint.FRESH);
            round = at.round();
            if (at.found()) {
                clock.advanceTo(at.newestStamp());
                log.info("Generator {} resumes at round {} of v{} after {} of its samples already published",
                        serviceName, round, follower.version(), at.samplesFound());
            }
        }
    }

    /** What the control topics held at start: checkpoints in order, the run's sample count, this generator's rounds. */
    private static final class Backlog {
        final List<ConsumerRecord<byte[], byte[]>> raw = new ArrayList<>();
        final List<Checkpoint> checkpoints = new ArrayList<>();
        final Map<Long, ResumePoint> own = new HashMap<>();
        long samples;
        int samplePartitions;
    }

    /**
     * Reads the checkpoints, the learner's steps and the samples from their beginning to their high watermarks: a
     * transaction open at the start (another generator's round) must complete first, or a round committed after it
     * would be missed. From scratch on each attempt.
     */
    private Backlog readBacklog() {
        Backlog backlog = new Backlog();
        List<TopicPartition> partitions = Partitions.assignFromBeginning(control,
                List.of(topics.checkpoints(), topics.learnerSteps(), topics.samples()), startup.attemptTimeout());
        backlog.samplePartitions = (int) partitions.stream().filter(tp -> tp.topic().equals(topics.samples())).count();
        Map<TopicPartition, Long> ends = Partitions.highWatermarks(config.originals(),
                config.clientId(GeneratorConfig.ENDS_CONSUMER), partitions, startup.attemptTimeout());
        long deadline = System.nanoTime() + startup.timeout().toNanos();
        while (!closing.get() && !Partitions.reached(control, ends)) {
            if (System.nanoTime() > deadline)
                throw new TimeoutException("open transactions on " + ends.keySet() + " did not complete");
            for (ConsumerRecord<byte[], byte[]> raw : control.poll(pollTimeout)) {
                if (raw.topic().equals(topics.checkpoints())) {
                    checkpointDecoder.decodeOrDeadLetter(raw, deadLetters).ifPresentOrElse(r -> {
                        limiter.learnerProgress(r.value().getStep());
                        backlog.raw.add(raw);
                        backlog.checkpoints.add(r.value());
                    }, this::deadLettered);
                } else if (raw.topic().equals(topics.learnerSteps())) {
                    handleStep(raw);
                } else {
                    Optional<SampleIds> id = sampleId(raw);
                    if (id.isEmpty()) continue;
                    backlog.samples++;
                    if (id.get().generatorId().equals(config.generatorId()))
                        backlog.own.merge(id.get().version(), ResumePoint.FRESH.add(id.get(), raw.timestamp()),
                                (a, b) -> a.add(id.get(), raw.timestamp()));
                }
            }
        }
        return backlog;
    }

    /** Takes what has arrived on the problems and control topics, waiting up to {@code timeout} for the latter. */
    private void readControl(Duration timeout) {
        problems.poll();
        Partitions.handleOrRewind(control, control.poll(timeout), this::handleControl);
        flushDeadLetters();
    }

    private void handleControl(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.topic().equals(topics.checkpoints())) {
            checkpointDecoder.decodeOrDeadLetter(raw, deadLetters).ifPresentOrElse(r -> {
                limiter.learnerProgress(r.value().getStep());
                offer(raw, r.value());
            }, this::deadLettered);
        } else if (raw.topic().equals(topics.learnerSteps())) {
            handleStep(raw);
        } else {
            // Another generator's sample takes room; this one counted its own when it took room for them.
            sampleId(raw).filter(id -> !id.generatorId().equals(config.generatorId())).ifPresent(id -> limiter.counted(1));
        }
    }

    private void offer(ConsumerRecord<byte[], byte[]> raw, Checkpoint c) {
        switch (follower.offer(raw, c)) {
            case ADOPTED -> round = 0; // a new version's rounds count from 0
            case REFUSED -> deadLettersPending = true;
            case IGNORED -> { }
        }
    }

    private void handleStep(ConsumerRecord<byte[], byte[]> raw) {
        stepDecoder.decodeOrDeadLetter(raw, deadLetters)
                .ifPresentOrElse(r -> limiter.learnerProgress(r.value().getStep()), this::deadLettered);
    }

    /** The sample id a samples record is keyed by; empty for a record no generator wrote. */
    private static Optional<SampleIds> sampleId(ConsumerRecord<byte[], byte[]> raw) {
        return raw.key() == null || raw.value() == null ? Optional.empty()
                : SampleIds.parse(new String(raw.key(), StandardCharsets.UTF_8));
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

    /** Samples a round and commits it in one transaction, through outages; a stop requested meanwhile aborts it. */
    private void publishRound(List<Problem> chunk) {
        long start = System.nanoTime();
        waitingLogged = false;
        long version = follower.version();
        List<Sample> samples = sampler.sample(follower.policy(), version, round, chunk);
        long[] stamps = new long[samples.size()];
        for (int i = 0; i < stamps.length; i++) stamps[i] = clock.next(follower.anchor());
        String what = "round " + round + " of v" + version + " (" + samples.size() + " samples)";
        try {
            Transactions.commit(producer, () -> records(samples, stamps), log, what, closing::get);
        } catch (RuntimeException e) {
            if (closing.get() && Outages.isTransient(e))
                log.info("Generator {} stops mid-round: {} aborted, none of it published", serviceName, what);
            throw e;
        }
        cycle.advance();
        publishedVersion = version;
        round++;
        roundsDone++;
        metrics.roundPublished(samples.size(), System.nanoTime() - start);
    }

    /**
     * The round's records, each on its problem's partition (Partitions.ofProblem: the buffer computes a problem's
     * baseline in the task that joins its samples); serialized for each attempt, since serializing may need the
     * schema registry.
     */
    private List<ProducerRecord<byte[], byte[]>> records(List<Sample> samples, long[] stamps) {
        String topic = topics.samples();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            records.add(new ProducerRecord<>(topic, Partitions.ofProblem(s.getProblemId(), samplePartitions), stamps[i],
                    keySerializer.serialize(topic, s.getSampleId()),
                    sampleSerializer.serialize(topic, s)));
        }
        return records;
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

    /** Stops after the round in hand is published (or aborted), then closes the clients and the model. */
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
        Utils.closeQuietly(deadLetters, "dead letters");
        Utils.closeQuietly(sampleSerializer, "sample serializer");
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
