package org.rltf.learner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.rltf.events.Checkpoint;
import org.rltf.events.Experience;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.RecordDecoder;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.StepStats;
import org.rltf.policy.TokenSequence;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.rltf.streams.BufferSnapshot;
import org.rltf.streams.OnlineBuffer;
import org.rltf.streams.RewardConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner service: supervised and RLTF updates from the online buffer (RLTF-METHOD.md sections 4 and 5),
 * checkpoints, and the step log.
 *
 * <p><b>Loop.</b> The buffer ({@link OnlineBuffer}) runs embedded in this JVM. Once it holds {@code buffer.min.fill}
 * experiences, each optimizer step draws, with a generator seeded from the run seed and the step number, a
 * supervised batch of reference solutions and an RL batch uniformly from the current buffer snapshot (sampled
 * programs only: greedy ones are the baseline, not draws of the policy); a fresh snapshot is taken every
 * {@code buffer.snapshot.interval.steps} steps. Their micro-batches alternate through
 * {@link PolicyTrainer#accumulate} with the weights of {@link RltfLoss}, and one {@link PolicyTrainer#step()}
 * applies the summed gradient.
 *
 * <p><b>Checkpoints and exactly-once.</b> Every {@code checkpoint.interval} steps (and at the last step, or at a
 * graceful stop) the policy and the optimizer state are saved to {@code <store>/<run>/v<version>}; then the
 * period's LearnerStep events and the Checkpoint event that closes it are sent and committed in one Kafka
 * transaction (transactional.id {@code <prefix>.<run>}). A crash before the commit leaves nothing of the period
 * visible to read_committed readers (a half-sent transaction is aborted when the restarted learner's
 * {@code initTransactions} fences the old one). The restarted learner reads the newest committed Checkpoint, loads
 * its weights and optimizer state, and continues at its step + 1 and version + 1: the committed step numbers and
 * versions have no gap and no repeat. Trade-off: LearnerSteps become visible once per period, not per step, and a
 * crash costs the period in hand. The period's events are held in memory and sent just before the commit, so the
 * transaction stays open for milliseconds, not for a whole period. Version 0 (initial weights, or
 * {@code init.checkpoint}) is published in its own transaction when the run has no checkpoint yet.
 *
 * <p><b>Event time.</b> Version 0 is stamped {@code run.epoch.ms} (or the wall clock once, when the run starts); a
 * step is stamped max(previous stamp + 1, newest event time in its buffer snapshot); a checkpoint with its last
 * step's stamp. Nothing else reads a clock to decide anything.
 */
public final class LearnerService implements Service {
    private static final Logger log = LoggerFactory.getLogger(LearnerService.class);

    /** Progress callbacks, on the learner's thread. */
    public interface Listener {
        /** After each optimizer step, before its period commits. */
        default void onStep(LearnerStep step) {}

        /** After a checkpoint and its period committed. */
        default void onCheckpoint(Checkpoint checkpoint) {}
    }

    private final LearnerConfig config;
    private final Topics topics;
    private final String serviceName;
    private final boolean rlEnabled;
    private final boolean supervisedEnabled;
    private final SchemaRegistryClient registry;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serializer<LearnerStep> stepSerializer;
    private final Serializer<Checkpoint> checkpointSerializer;
    private final StringSerializer keySerializer = new StringSerializer();
    private final DeadLetters deadLetters;
    private final RecordDecoder<String, Problem> problemDecoder;
    private final RecordDecoder<String, Checkpoint> checkpointDecoder;
    private final KafkaConsumer<byte[], byte[]> problemsConsumer;
    private final Map<String, Object> clientConfig;
    private volatile Listener listener = new Listener() {};

    private final MeterRegistry meters;
    private final Counter stepsCounter;
    private final Counter checkpointsCounter;
    private final Timer stepTimer;

    private Policy policy;
    private PolicyTrainer trainer;
    private OnlineBuffer buffer;
    private Path stateDir;
    private boolean ownsStateDir;

    // Learner state: committed (step, version, stamp) at the last checkpoint, and the period in hand.
    private long step;
    private long version;
    private long lastStamp;
    private long periodStart;
    private final List<StampedStep> periodSteps = new ArrayList<>();

    private record StampedStep(LearnerStep step, long stamp) {}

    // Snapshot in use.
    private BufferSnapshot snapshot;
    private List<Experience> usable = List.of();
    private int stepsSinceSnapshot;

    // Supervised references, by id.
    private final TreeMap<String, Problem> problems = new TreeMap<>();
    private List<RltfLoss.Reference> references = List.of();
    private boolean referencesStale = true;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile long committedStep = -1;
    private volatile long committedVersion = -1;

    public LearnerService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /** Validates the config (a bad value fails here, naming its key) and creates the clients; nothing runs yet. */
    public LearnerService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new LearnerConfig(configs);
        this.topics = config.topics();
        this.serviceName = "learner/" + config.run();
        this.rlEnabled = config.rlEnabled();
        this.supervisedEnabled = config.supervisedEnabled();
        if (!rlEnabled && !supervisedEnabled)
            throw new ConfigException(LearnerConfig.LOSS_SUPERVISED_CONFIG, false,
                    "every loss term is switched off (" + RewardConfig.COARSE_ENABLED_CONFIG + ", "
                            + RewardConfig.ADAPTIVE_ENABLED_CONFIG + ", " + RewardConfig.FINE_ENABLED_CONFIG + " and "
                            + LearnerConfig.LOSS_SUPERVISED_CONFIG + "): nothing to train");
        this.meters = meters;

        this.clientConfig = new HashMap<>();
        clientConfig.put(LearnerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        clientConfig.put(LearnerConfig.SCHEMA_REGISTRY_URL_CONFIG, config.schemaRegistryUrl());
        Map<String, Object> serdeConfig = new HashMap<>(configs);
        serdeConfig.putAll(clientConfig);
        this.registry = SchemaRegistryClient.create(serdeConfig);
        this.stepSerializer = AvroSerdes.serde(LearnerStep.class, registry, serdeConfig, false).serializer();
        this.checkpointSerializer = AvroSerdes.serde(Checkpoint.class, registry, serdeConfig, false).serializer();
        StringDeserializer keys = new StringDeserializer();
        this.problemDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Problem.class, registry, serdeConfig, false).deserializer());
        this.checkpointDecoder = new RecordDecoder<>(keys,
                AvroSerdes.serde(Checkpoint.class, registry, serdeConfig, false).deserializer());

        this.stepsCounter = Counter.builder("rltf.learner.steps").tag("run", config.run())
                .description("Optimizer steps taken (committed or not)").register(meters);
        this.checkpointsCounter = Counter.builder("rltf.learner.checkpoints").tag("run", config.run())
                .description("Checkpoints committed").register(meters);
        this.stepTimer = Timer.builder("rltf.learner.step").tag("run", config.run())
                .description("Time of one optimizer step, snapshot to update").register(meters);

        this.producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
        this.deadLetters = DeadLetters.create(serdeConfig, serviceName);
        this.problemsConsumer = new KafkaConsumer<>(consumerConfig("problems"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    public LearnerConfig config() { return config; }

    public MeterRegistry meterRegistry() { return meters; }

    public void setListener(Listener listener) { this.listener = listener == null ? new Listener() {} : listener; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** Step of the newest committed checkpoint, -1 before the first. */
    public long committedStep() { return committedStep; }

    /** Version of the newest committed checkpoint, -1 before the first. */
    public long committedVersion() { return committedVersion; }

    /** Trains until {@code steps}, {@link #close()} or a fatal error (rethrown). */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("LearnerService already ran");
        if (closing.get()) throw new IllegalStateException("LearnerService was closed before it ran");
        try {
            producer.initTransactions();
            assignProblems();
            readProblems(true);
            CommittedCheckpoint last = newestCommittedCheckpoint();
            if (last == null) startRun();
            else resume(last);
            if (step < config.steps()) {
                startBuffer();
                if (rlEnabled) awaitFill();
                while (!closing.get() && step < config.steps()) {
                    if (!trainStep()) break;
                    if (step - periodStart >= config.checkpointInterval() || step >= config.steps()) closePeriod();
                }
                // A graceful stop keeps the work done: the steps since the last checkpoint end in one.
                if (step > periodStart) closePeriod();
            }
            log.info("Learner {} done at step {} (checkpoint v{})", serviceName, step, version);
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Learner {} stopped on an unrecoverable error", serviceName, e);
            throw e;
        } finally {
            closeAll(failure instanceof ProducerFencedException);
            stopped.countDown();
        }
    }

    // ---- start: version 0 or resume ----------------------------------------------------------------------------

    private record CommittedCheckpoint(Checkpoint checkpoint, long timestamp) {}

    /** Reads the checkpoints topic (read_committed) to its end; the newest version, or null for a new run. */
    private CommittedCheckpoint newestCommittedCheckpoint() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig("checkpoints"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitionsOf(c, topics.checkpoints());
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            CommittedCheckpoint newest = null;
            while (!reached(c, ends)) {
                for (ConsumerRecord<byte[], byte[]> raw : c.poll(Duration.ofMillis(config.bufferPollMs()))) {
                    var decoded = checkpointDecoder.decodeOrDeadLetter(raw, deadLetters);
                    if (decoded.isEmpty()) continue;
                    Checkpoint cp = decoded.get().value();
                    if (newest == null || cp.getVersion() > newest.checkpoint().getVersion())
                        newest = new CommittedCheckpoint(cp, raw.timestamp());
                }
            }
            deadLetters.flush();
            return newest;
        }
    }

    private void startRun() {
        // The one wall-clock read of a run, when none was configured: the run's epoch, recorded in event v0.
        long epoch = config.runEpochMs() >= 0 ? config.runEpochMs() : System.currentTimeMillis();
        if (config.initCheckpoint().isBlank()) {
            Tokenizer tokenizer = config.tokenizer().equals("bytes") ? Tokenizer.bytes()
                    : Tokenizer.huggingFace(Path.of(config.tokenizer()));
            policy = Policy.create(ModelConfig.preset(config.modelPreset(), tokenizer), tokenizer, config.seed());
        } else {
            policy = Policy.load(Path.of(config.initCheckpoint()));
        }
        trainer = new PolicyTrainer(policy, config.trainer());
        step = 0;
        version = -1;
        periodStart = 0;
        lastStamp = epoch;
        log.info("Learner {} starts a new run: version 0 = {} ({} parameters)", serviceName,
                config.initCheckpoint().isBlank() ? "fresh " + config.modelPreset() + " weights, seed " + config.seed()
                        : config.initCheckpoint(), policy.config().parameterCount());
        closePeriod();
    }

    private void resume(CommittedCheckpoint last) {
        Checkpoint c = last.checkpoint();
        Path dir = Path.of(URI.create(c.getUri()));
        policy = Policy.load(dir, c.getSha256(), PolicyRuntime.defaultDevice());
        trainer = new PolicyTrainer(policy, config.trainer());
        trainer.loadState(dir);
        if (trainer.stepCount() != c.getStep())
            throw new CheckpointException("checkpoint " + dir + " records optimizer step " + trainer.stepCount()
                    + " but its event says step " + c.getStep());
        step = c.getStep();
        version = c.getVersion();
        periodStart = step;
        lastStamp = last.timestamp();
        committedStep = step;
        committedVersion = version;
        log.info("Learner {} resumes from checkpoint v{} at step {} ({})", serviceName, version, step, dir);
    }

    private void startBuffer() {
        Map<String, Object> streams = new HashMap<>(config.originalsWithPrefix("streams."));
        streams.putAll(clientConfig);
        try {
            if (config.bufferStateDir().isBlank()) {
                stateDir = Files.createTempDirectory("rltf-buffer-" + config.run() + "-");
                ownsStateDir = true;
            } else {
                stateDir = Path.of(config.bufferStateDir());
                Files.createDirectories(stateDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the buffer's state directory", e);
        }
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        buffer = OnlineBuffer.start(streams, config.run(), config.buffer(), config.rewards());
        buffer.awaitRunning(Duration.ofMinutes(2));
    }

    private void awaitFill() {
        long lastLog = 0;
        while (!closing.get()) {
            long size = buffer.size();
            if (size >= config.buffer().minFill()) return;
            if (System.nanoTime() - lastLog > TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs())) {
                log.info("Learner {} waits for the buffer: {} of buffer.min.fill={} experiences", serviceName, size,
                        config.buffer().minFill());
                lastLog = System.nanoTime();
            }
            sleep(config.bufferPollMs());
        }
    }

    // ---- one optimizer step ------------------------------------------------------------------------------------

    /** One optimizer step; false when a stop was requested while waiting for data. */
    private boolean trainStep() {
        long t0 = System.nanoTime();
        if (rlEnabled && !ensureSnapshot()) return false;
        readProblems(false);
        List<RltfLoss.Reference> refs = references();
        long s = step + 1;
        long seed = BatchSampler.stepSeed(config.seed(), s);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Experience> rl = rlEnabled ? BatchSampler.draw(usable, config.rlBatch(), rng) : List.of();
        List<RltfLoss.Reference> sl = supervisedEnabled ? BatchSampler.draw(refs, config.slBatch(), rng) : List.of();
        List<TokenSequence> rlSeq = RltfLoss.rlSequences(rl);
        List<TokenSequence> slSeq = RltfLoss.slSequences(sl);
        long t1 = System.nanoTime();

        // Supervised and RL micro-batches alternate; their gradients add up into one optimizer step.
        double lossSl = 0;
        double lossRl = 0;
        int mb = config.microBatch();
        int chunks = Math.max(ceilDiv(slSeq.size(), mb), ceilDiv(rlSeq.size(), mb));
        for (int i = 0; i < chunks; i++) {
            if (i * mb < slSeq.size()) lossSl += trainer.accumulate(slSeq.subList(i * mb, Math.min(slSeq.size(), (i + 1) * mb)));
            if (i * mb < rlSeq.size()) lossRl += trainer.accumulate(rlSeq.subList(i * mb, Math.min(rlSeq.size(), (i + 1) * mb)));
        }
        long t2 = System.nanoTime();
        StepStats stats = trainer.step();
        long t3 = System.nanoTime();

        step = s;
        stepsSinceSnapshot++;
        long stamp = Math.max(lastStamp + 1, snapshot == null ? lastStamp + 1 : snapshot.newestEventTime());
        lastStamp = stamp;

        RlBatchStats rlStats = RlBatchStats.of(rl, version);
        double meanReward = rlStats.meanReward();
        double meanLag = rlStats.meanPolicyLag();
        int rlTokens = rlStats.tokens();
        List<String> sampleIds = rlStats.sampleIds();
        int slTokens = 0;
        List<String> referenceIds = new ArrayList<>(sl.size());
        for (RltfLoss.Reference r : sl) {
            slTokens += r.completionIds().length;
            referenceIds.add(r.id());
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("batch", (t1 - t0) / 1e6);
        timings.put("forward_backward", (t2 - t1) / 1e6);
        timings.put("optimizer", (t3 - t2) / 1e6);
        LearnerStep record = LearnerStep.newBuilder()
                .setRun(config.run())
                .setStep(step)
                .setPolicyVersion(version)
                .setCheckpointVersion(null) // set on the period's last step when it closes (closePeriod)
                .setSeed(seed)
                .setSampleIds(sampleIds)
                .setReferenceIds(referenceIds)
                .setLoss(lossRl + lossSl)
                .setLossRl(lossRl)
                .setLossSl(lossSl)
                .setGradNorm(stats.gradNorm())
                .setLr(stats.lr())
                .setMeanReward(meanReward)
                .setMeanPolicyLag(meanLag)
                .setRlTokens(rlTokens)
                .setSlTokens(slTokens)
                .setTimingsMs(timings)
                .setMeanAdvantage(rlStats.meanAdvantage())
                .setRlOutcomes(rlStats.outcomes())
                .setMissingBaselineShare(rlStats.missingBaselineShare())
                .build();
        periodSteps.add(new StampedStep(record, stamp));
        stepsCounter.increment();
        stepTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        log.info("Learner {} step {} (v{}): loss {} (rl {}, sl {}), grad norm {}, lr {}, mean reward {}, lag {}, "
                        + "{} rl + {} sl sequences, {} ms", serviceName, step, version, fmt(lossRl + lossSl), fmt(lossRl),
                fmt(lossSl), fmt(stats.gradNorm()), String.format("%.2e", stats.lr()), fmt(meanReward), fmt(meanLag),
                rl.size(), sl.size(), (t3 - t0) / 1_000_000);
        listener.onStep(record);
        return true;
    }

    /** Takes a fresh snapshot when due; waits while it holds no usable sample. False if stopped while waiting. */
    private boolean ensureSnapshot() {
        if (snapshot != null && stepsSinceSnapshot < config.buffer().snapshotIntervalSteps() && !usable.isEmpty())
            return true;
        long lastLog = System.nanoTime();
        while (!closing.get()) {
            snapshot = buffer.snapshot(version);
            stepsSinceSnapshot = 0;
            List<Experience> u = new ArrayList<>(snapshot.size());
            for (Experience e : snapshot.experiences())
                if (!e.getGreedy() && !e.getTokenIds().isEmpty()) u.add(e);
            usable = u;
            if (!usable.isEmpty()) return true;
            if (System.nanoTime() - lastLog > TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs())) {
                log.info("Learner {} waits for sampled experiences of version >= {} (snapshot holds {})", serviceName,
                        version - config.buffer().maxPolicyLag(), snapshot.size());
                lastLog = System.nanoTime();
            }
            sleep(config.bufferPollMs());
        }
        return false;
    }

    // ---- checkpoints: the end of a period -----------------------------------------------------------------------

    /**
     * Saves checkpoint version + 1 at the current step, then commits the period's LearnerSteps and its Checkpoint
     * event in one transaction. The directory of an uncommitted version (left by a crash) is overwritten: no
     * committed event names it.
     */
    private void closePeriod() {
        long next = version + 1;
        long start = System.nanoTime();
        Path dir = config.checkpointStoreDir().resolve(config.run()).resolve("v" + next);
        deleteRecursively(dir);
        CheckpointInfo info = trainer.saveCheckpoint(dir);
        Map<String, Double> metrics = periodMetrics();
        metrics.put("save_ms", (System.nanoTime() - start) / 1e6);
        Checkpoint checkpoint = Checkpoint.newBuilder()
                .setRun(config.run())
                .setVersion(next)
                .setStep(step)
                .setUri(info.dir().toUri().toString())
                .setSha256(info.sha256())
                .setSizeBytes(info.sizeBytes())
                .setModelConfig(policy.config().toJson())
                .setMetrics(metrics)
                .build();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(periodSteps.size() + 1);
        String steps = topics.learnerSteps();
        for (int i = 0; i < periodSteps.size(); i++) {
            LearnerStep s = periodSteps.get(i).step();
            if (i == periodSteps.size() - 1) s = LearnerStep.newBuilder(s).setCheckpointVersion(next).build();
            records.add(new ProducerRecord<>(steps, null, periodSteps.get(i).stamp(),
                    keySerializer.serialize(steps, config.run()), stepSerializer.serialize(steps, s)));
        }
        String topic = topics.checkpoints();
        records.add(new ProducerRecord<>(topic, null, lastStamp, keySerializer.serialize(topic, config.run()),
                checkpointSerializer.serialize(topic, checkpoint)));
        commit(records);
        version = next;
        periodStart = step;
        committedStep = step;
        committedVersion = version;
        periodSteps.clear();
        checkpointsCounter.increment();
        log.info("Learner {} committed checkpoint v{} at step {} ({} bytes, sha256 {})", serviceName, version, step,
                info.sizeBytes(), info.sha256());
        listener.onCheckpoint(checkpoint);
    }

    /** Sends and commits {@code records} in one transaction, retrying an abortable failure a few times. */
    private void commit(List<ProducerRecord<byte[], byte[]>> records) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.beginTransaction();
                for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
                producer.commitTransaction();
                return;
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException e) {
                throw e; // fatal: another learner took over this run, or the cluster refuses us
            } catch (KafkaException e) {
                producer.abortTransaction();
                if (attempt >= 3) throw new KafkaException("Could not commit checkpoint period after " + attempt
                        + " attempts", e);
                log.warn("Learner {}: commit of a checkpoint period failed ({}); retrying", serviceName, e.toString());
            }
        }
    }

    private Map<String, Double> periodMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("steps", (double) periodSteps.size());
        if (periodSteps.isEmpty()) return m;
        double loss = 0, rl = 0, sl = 0, reward = 0, lag = 0, grad = 0;
        for (StampedStep stamped : periodSteps) {
            LearnerStep s = stamped.step();
            loss += s.getLoss();
            rl += s.getLossRl();
            sl += s.getLossSl();
            reward += s.getMeanReward();
            lag += s.getMeanPolicyLag();
            grad += s.getGradNorm();
        }
        int n = periodSteps.size();
        m.put("loss", loss / n);
        m.put("loss_rl", rl / n);
        m.put("loss_sl", sl / n);
        m.put("mean_reward", reward / n);
        m.put("mean_policy_lag", lag / n);
        m.put("grad_norm", grad / n);
        m.put("lr", periodSteps.get(n - 1).step().getLr());
        if (buffer != null) m.put("buffer_size", (double) buffer.size());
        return m;
    }

    // ---- supervised references --------------------------------------------------------------------------------

    private void assignProblems() {
        List<TopicPartition> partitions = partitionsOf(problemsConsumer, topics.problems());
        problemsConsumer.assign(partitions);
        problemsConsumer.seekToBeginning(partitions);
    }

    /** Reads new problem records; to the end when {@code toEnd}, else whatever is there now. */
    private void readProblems(boolean toEnd) {
        Map<TopicPartition, Long> ends = toEnd ? problemsConsumer.endOffsets(problemsConsumer.assignment()) : null;
        Set<String> splits = Set.copyOf(config.problemsSplits());
        do {
            for (ConsumerRecord<byte[], byte[]> raw : problemsConsumer.poll(toEnd ? Duration.ofMillis(200) : Duration.ZERO)) {
                referencesStale = true;
                if (raw.value() == null) {
                    problems.remove(raw.key() == null ? "" : new String(raw.key(), java.nio.charset.StandardCharsets.UTF_8));
                    continue;
                }
                problemDecoder.decodeOrDeadLetter(raw, deadLetters).ifPresent(r -> {
                    Problem p = r.value();
                    if (splits.contains(p.getSplit())) problems.put(p.getId(), p);
                    else problems.remove(p.getId());
                });
            }
        } while (toEnd && !reached(problemsConsumer, ends));
        deadLetters.flush();
    }

    /** The reference solutions of the known training problems, by id, tokenized for this policy. */
    private List<RltfLoss.Reference> references() {
        if (!supervisedEnabled) return List.of();
        if (referencesStale) {
            List<RltfLoss.Reference> refs = new ArrayList<>();
            Tokenizer tok = policy.tokenizer();
            int max = Math.min(config.slMaxTokens(), policy.config().context() - 1);
            for (Problem p : problems.values()) {
                int[] prompt = tok.encode(p.getPrompt());
                for (ReferenceSolution r : p.getReferenceSolutions()) {
                    int[] code = tok.encode(r.getCode());
                    int[] completion;
                    if (code.length < max) { // the whole solution, then eos: the model learns to stop
                        completion = java.util.Arrays.copyOf(code, code.length + 1);
                        completion[code.length] = tok.eosId();
                    } else {
                        completion = java.util.Arrays.copyOf(code, max);
                    }
                    refs.add(new RltfLoss.Reference(r.getId(), prompt, completion));
                }
            }
            refs.sort(Comparator.comparing(RltfLoss.Reference::id));
            references = refs;
            referencesStale = false;
        }
        if (references.isEmpty())
            throw new IllegalStateException("loss.supervised.enabled=true but no problem of splits "
                    + config.problemsSplits() + " in " + topics.problems() + " has a reference solution; publish "
                    + "problems with reference solutions or set loss.supervised.enabled=false");
        return references;
    }

    // ---- helpers, lifecycle ------------------------------------------------------------------------------------

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) if (c.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
        if (infos == null || infos.isEmpty())
            throw new IllegalStateException("Topic " + topic + " does not exist: create the run's topics first");
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo info : infos) tps.add(new TopicPartition(topic, info.partition()));
        return tps;
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    private static String fmt(double v) { return String.format("%.4f", v); }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.set(true);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the uncommitted checkpoint directory " + dir, e);
        }
    }

    /** Stops at the next step boundary, commits the steps since the last checkpoint in a final one, closes all. */
    @Override
    public void close() {
        if (closing.getAndSet(true) && !started.get()) return;
        if (!started.get()) {
            closeAll(false);
            return;
        }
        try {
            if (!stopped.await(10, TimeUnit.MINUTES)) log.warn("Learner {} did not stop within 10 minutes", serviceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeAll(boolean fenced) {
        if (buffer != null) closeQuietly(buffer::close);
        closeQuietly(problemsConsumer::close);
        closeQuietly(() -> producer.close(fenced ? Duration.ZERO : Duration.ofSeconds(10)));
        closeQuietly(deadLetters::close);
        closeQuietly(stepSerializer::close);
        closeQuietly(checkpointSerializer::close);
        closeQuietly(registry::close);
        if (trainer != null) closeQuietly(trainer::close);
        if (policy != null) closeQuietly(policy::close);
        if (ownsStateDir && stateDir != null) {
            try {
                deleteRecursively(stateDir);
            } catch (UncheckedIOException e) {
                log.warn("Could not delete {}: {}", stateDir, e.getMessage());
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Error while closing: {}", e.toString());
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "rltf-learner-" + config.run());
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, config.transactionTimeoutMs());
        c.putAll(config.originalsWithPrefix("producer."));
        return c;
    }

    private Map<String, Object> consumerConfig(String purpose) {
        return ClientConfigs.readCommittedConsumer(config.originals(), "rltf-learner-" + config.run() + "-" + purpose);
    }

    /**
     * Runs a learner until it reaches {@code steps} or SIGTERM/SIGINT. Arguments are {@code key=value} entries (see
     * {@link LearnerConfig}); {@code --help} prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(LearnerConfig.SPEC, args, LearnerService::new);
    }

    /** Runs a learner on this thread until it is done or the JVM is asked to stop; for {@code main} and the CLI. */
    public static void runUntilShutdown(Map<String, ?> configs) {
        LearnerService service = new LearnerService(configs);
        Thread hook = new Thread(service::close, "learner-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        service.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}
