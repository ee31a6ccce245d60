package org.rltf.learner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.Experience;
import org.rltf.events.LearnerStep;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.Outages;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.StepStats;
import org.rltf.policy.Tokenizer;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.BufferEntry;
import org.rltf.streams.BufferSnapshot;
import org.rltf.streams.OnlineBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner service: supervised and RLTF updates from the online buffer (RLTF-METHOD.md sections 4 and 5),
 * checkpoints, and the step log. This class is the loop: start or resume, wait for the buffer, step, close a
 * period. Beside it: {@link CheckpointLog} (the transactional period commit, the newest committed checkpoint),
 * {@link ReferenceSet} (problems to tokenised reference solutions), {@link StepRecord} (LearnerStep assembly and
 * period metrics), {@link BatchSampler} (the seeded draws) and {@link RltfLoss} (the weights).
 *
 * <p><b>Loop.</b> The buffer ({@link OnlineBuffer}) runs embedded in this JVM. Once it holds
 * {@value BufferConfig#MIN_FILL_CONFIG} experiences, each optimizer step draws, with a generator seeded from the run
 * seed and the step number, an RL batch uniformly from the current buffer snapshot (sampled programs only: greedy
 * ones are the baseline, not draws of the policy) and a supervised batch of reference solutions; a fresh snapshot is
 * taken every {@value BufferConfig#SNAPSHOT_INTERVAL_STEPS_CONFIG} steps. Their micro-batches alternate through
 * {@link PolicyTrainer#accumulate} with the weights of {@link RltfLoss}, and one {@link PolicyTrainer#step()}
 * applies the summed gradient ({@link StepUpdate}, which {@code rltf replay} runs on the recorded batches).
 *
 * <p><b>Checkpoints and exactly-once.</b> Every {@value LearnerConfig#CHECKPOINT_INTERVAL_CONFIG} steps (and at the
 * last step, or at a graceful stop) a period closes: {@link CheckpointLog} saves the policy and optimizer state as
 * the next version and commits the period's LearnerSteps with the Checkpoint in one Kafka transaction. A restarted
 * learner fences the old one (aborting its open transaction), reads the newest committed Checkpoint, loads its
 * weights and optimizer state, and continues at its step + 1 and version + 1: the committed step numbers and
 * versions have no gap and no repeat. A crash costs the period in hand. Version 0 (initial weights, or
 * {@value LearnerConfig#INIT_CHECKPOINT_CONFIG}) is committed on its own when the run has no checkpoint yet.
 *
 * <p><b>Outages.</b> At start-up each wait on the cluster (fencing, reading the problems and the checkpoints, the
 * buffer reaching RUNNING) is bounded by {@code startup.timeout.ms} ({@link ClusterWait}) and fails naming the
 * servers. Once running, the learner waits out outages of the broker or the schema registry of any length: a period
 * commit is retried with backoff until it goes through, and the log says what it waits for and when it is over.
 *
 * <p><b>Event time.</b> Version 0 is stamped {@value LearnerConfig#RUN_EPOCH_MS_CONFIG} (or the wall clock once,
 * when the run starts); a step is stamped max(previous stamp + 1, newest event time in its buffer snapshot); a
 * checkpoint with its last step's stamp. Nothing else reads a clock to decide anything.
 *
 * <p><b>Buffer state.</b> The embedded buffer's Kafka Streams state lives in
 * {@value LearnerConfig#BUFFER_STATE_DIR_CONFIG} (by default {@code <store>/<run>/buffer-state}), reused when the
 * learner restarts and never deleted by it.
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
    private final String serviceName;
    private final boolean rlEnabled;
    private final boolean supervisedEnabled;
    private final DeadLetters deadLetters;
    private final CheckpointLog checkpoints;
    private final ReferenceSet references;
    private final StepRecord steps;
    private final MeterRegistry meters;
    private final ClusterWait startup;
    private volatile Listener listener = new Listener() {};

    private Policy policy;
    private PolicyTrainer trainer;
    private OnlineBuffer buffer;

    // Learner state: the last step taken, the newest checkpoint's version, the step the period in hand started
    // after, and the newest event-time stamp.
    private long step;
    private long version;
    private long lastStamp;
    private long periodStart;

    // Snapshot in use.
    private BufferSnapshot snapshot;
    private List<Experience> usable = List.of();
    private List<Experience> drawable = List.of(); // what the RL batch is drawn from: usable, or its signal (learner.rl.draw)
    private int stepsSinceSnapshot;
    private final SuccessReplay successes; // null when learner.rl.success.share is 0

    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile long committedStep = -1;
    private volatile long committedVersion = -1;

    public LearnerService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /** Checks the config (an unknown key or a bad value fails here, naming it), creates the clients; runs nothing. */
    public LearnerService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new LearnerConfig(configs);
        this.serviceName = "learner/" + config.run();
        this.rlEnabled = config.rlEnabled();
        this.supervisedEnabled = config.supervisedEnabled();
        this.meters = meters;
        this.steps = new StepRecord(config.run(), meters);
        this.startup = ClusterWait.of(config.originals(), serviceName).stoppingWhen(closing::get);
        this.successes = config.rlSuccessShare() > 0 ? new SuccessReplay(config.rlSuccessPerProblem()) : null;

        DeadLetters d = null;
        CheckpointLog c = null;
        try {
            d = DeadLetters.create(config.originals(), serviceName);
            c = new CheckpointLog(config, d);
            this.references = ReferenceSet.open(config, d);
        } catch (RuntimeException | Error e) {
            Utils.closeQuietly(c, "checkpoint log");
            Utils.closeQuietly(d, "dead letters");
            throw e;
        }
        this.deadLetters = d;
        this.checkpoints = c;
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
            startup.awaitCluster("start learning for run " + config.run());
            startup.await("fence older learners of run " + config.run() + " (transactional.id "
                    + config.transactionalId() + ")", checkpoints::initTransactions);
            startup.await("read " + config.topics().problems() + " to its end", references::catchUp);
            CheckpointLog.Committed last = startup.await("read " + config.topics().checkpoints() + " to its end",
                    checkpoints::newest);
            if (last == null) startRun();
            else resume(last);
            references.tokenizeFor(policy.tokenizer(), policy.config().context());
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
            if (closing.get() && Outages.isTransient(e)) {
                // Asked to stop while the cluster is away: the period in hand is lost, as in a crash.
                log.warn("Learner {} stops during an outage at step {}; its last checkpoint is v{}", serviceName, step,
                        version);
                return;
            }
            failure = e;
            log.error("Learner {} stopped on an unrecoverable error", serviceName, e);
            throw e;
        } finally {
            closeAll();
            stopped.countDown();
        }
    }

    // ---- start: version 0 or resume ----------------------------------------------------------------------------

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

    private void resume(CheckpointLog.Committed last) {
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
        Path stateDir = config.bufferStateDir();
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the buffer's state directory " + stateDir, e);
        }
        buffer = OnlineBuffer.start(config.streamsConfigs(), config.run(), config.buffer(), config.rewards());
        buffer.awaitRunning(startup.timeout());
    }

    private void awaitFill() {
        long lastLog = 0;
        while (!closing.get()) {
            long size = buffer.size();
            if (size >= config.buffer().minFill()) return;
            if (System.nanoTime() - lastLog > TimeUnit.MILLISECONDS.toNanos(config.progressIntervalMs())) {
                log.info("Learner {} waits for the buffer: {} of {}={} experiences", serviceName, size,
                        BufferConfig.MIN_FILL_CONFIG, config.buffer().minFill());
                lastLog = System.nanoTime();
            }
            sleep(config.bufferPollMs());
        }
    }

    // ---- one optimizer step ------------------------------------------------------------------------------------

    /**
     * One optimizer step, as CleanRL's update loop: draw the batch, make its weights, accumulate the micro-batches'
     * gradients, step, record. False when a stop was requested while waiting for data.
     */
    private boolean trainStep() {
        long t0 = System.nanoTime();
        if (rlEnabled && !ensureSnapshot()) return false;
        // Taking new problems may need the schema registry: an outage is waited out here, between steps.
        List<ReferenceExamples.Encoded> refs = supervisedEnabled
                ? Outages.retry(log, "Learner " + serviceName + " reading new problems", references::current, closing::get)
                : List.of();
        long s = step + 1;

        // Draw: the RL batch, then the supervised one, from one generator seeded by the run seed and the step.
        long seed = BatchSampler.stepSeed(config.seed(), s);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Experience> rl = rlEnabled ? drawRl(rng) : List.of();
        List<ReferenceExamples.Encoded> sl = supervisedEnabled ? BatchSampler.draw(refs, config.slBatch(), rng) : List.of();
        long t1 = System.nanoTime();

        // Update: the weights, the micro-batches' gradients added up, one optimizer step (StepUpdate, which
        // rltf replay runs too).
        StepUpdate.Result update = StepUpdate.apply(trainer, rl, sl, (float) config.rlWeight(), config.microBatch());
        double lossRl = update.lossRl();
        double lossSl = update.lossSl();
        StepStats stats = update.stats();
        long t3 = System.nanoTime();

        // Record: the step's event, stamped after the previous one and no earlier than the snapshot's newest event.
        step = s;
        stepsSinceSnapshot++;
        lastStamp = Math.max(lastStamp + 1, snapshot == null ? lastStamp + 1 : snapshot.newestEventTime());
        LearnerStep record = steps.add(step, version, seed, rl, sl, lossRl, lossSl, stats,
                new StepRecord.Timings(t1 - t0 + update.weightsNanos(), update.accumulateNanos(),
                        update.optimizerNanos()), lastStamp);
        log.info("Learner {} step {} (v{}): loss {} (rl {}, sl {}), grad norm {}, lr {}, mean reward {}, lag {}, "
                        + "{} rl + {} sl sequences, {} ms", serviceName, step, version, fmt(lossRl + lossSl), fmt(lossRl),
                fmt(lossSl), fmt(stats.gradNorm()), String.format("%.2e", stats.lr()), fmt(record.getMeanReward()),
                fmt(record.getMeanPolicyLag()), rl.size(), sl.size(), (t3 - t0) / 1_000_000);
        listener.onStep(record);
        return true;
    }

    /**
     * The RL batch: from the snapshot, and with self-imitation on, a share of it from the passing programs kept
     * (SuccessReplay), as many as it has problems for. Snapshot draws come first, so that with nothing kept the
     * generator's sequence, and the batch, are those of a learner without it.
     */
    private List<Experience> drawRl(SplittableRandom rng) {
        int replayed = successes == null ? 0
                : Math.min((int) Math.round(config.rlSuccessShare() * config.rlBatch()), successes.problems());
        List<Experience> rl = BatchSampler.draw(drawable, config.rlBatch() - replayed, rng);
        if (replayed == 0) return rl;
        List<Experience> batch = new ArrayList<>(rl);
        batch.addAll(successes.draw(replayed, rng));
        return batch;
    }

    /** Takes a fresh snapshot when due; waits while it holds no usable sample. False if stopped while waiting. */
    private boolean ensureSnapshot() {
        if (snapshot != null && stepsSinceSnapshot < config.buffer().snapshotIntervalSteps() && !usable.isEmpty())
            return true;
        long lastLog = System.nanoTime();
        while (!closing.get()) {
            snapshot = buffer.snapshot(version);
            stepsSinceSnapshot = 0;
            // Only the experiences drawn are decoded (BufferEntry).
            List<BufferEntry> u = new ArrayList<>(snapshot.size());
            for (BufferEntry e : snapshot.entries())
                if (!e.greedy() && e.completionTokens() > 0) u.add(e);
            usable = BufferSnapshot.experiences(u);
            drawable = usable;
            if (config.rlDrawSignalOnly()) {
                // Decodes every usable experience, once per snapshot (~17-23 ms per 1,000: BufferEntry). With none
                // that carries signal the uniform draw stays: it adds nothing to the gradient, and the step goes on.
                List<Experience> signal = usable.stream().filter(RltfLoss::entersGradient).toList();
                if (!signal.isEmpty()) drawable = signal;
                if (!usable.isEmpty())
                    log.info("Learner {} snapshot: {} of {} usable experiences carry a non-zero advantage", serviceName,
                            signal.size(), usable.size());
            }
            if (successes != null) {
                // Reads each usable experience's outcome: every one is decoded, once per snapshot.
                int added = successes.offer(usable, id -> supervisedEnabled && references.hasReference(id));
                log.info("Learner {} self-imitation: {} new passing programs, {} kept of {} problems", serviceName,
                        added, successes.size(), successes.problems());
            }
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

    /** Saves checkpoint version + 1 at the current step and commits it with the period's steps (CheckpointLog). */
    private void closePeriod() {
        long next = version + 1;
        CheckpointLog.Period period = new CheckpointLog.Period(next, step, lastStamp, steps.period(),
                steps.periodMetrics(buffer == null ? -1 : buffer.size()), policy.config().toJson(),
                RecordedSettings.of(config));
        Checkpoint checkpoint = checkpoints.commit(period, trainer::saveCheckpoint, closing::get);
        version = next;
        periodStart = step;
        committedStep = step;
        committedVersion = version;
        steps.periodCommitted();
        listener.onCheckpoint(checkpoint);
    }

    // ---- helpers, lifecycle ------------------------------------------------------------------------------------

    private static String fmt(double v) { return String.format("%.4f", v); }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.set(true);
        }
    }

    /** Stops at the next step boundary, commits the steps since the last checkpoint in a final one, closes all. */
    @Override
    public void close() {
        if (closing.getAndSet(true) && !started.get()) return;
        if (!started.get()) {
            closeAll();
            return;
        }
        try {
            if (!stopped.await(10, TimeUnit.MINUTES)) log.warn("Learner {} did not stop within 10 minutes", serviceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases everything; the buffer's state directory stays for the next start (see the class comment). */
    private void closeAll() {
        Utils.closeQuietly(buffer, "online buffer");
        Utils.closeQuietly(references, "reference set");
        Utils.closeQuietly(checkpoints, "checkpoint log");
        Utils.closeQuietly(deadLetters, "dead letters");
        Utils.closeQuietly(trainer, "trainer");
        Utils.closeQuietly(policy, "policy");
    }

    /**
     * Runs a learner until it reaches {@value LearnerConfig#STEPS_CONFIG} or SIGTERM/SIGINT. Arguments are
     * {@code key=value} entries (see {@link LearnerConfig}); {@code --help} prints the keys.
     */
    public static void main(String[] args) {
        ServiceMain.main(LearnerConfig.SPEC, args, LearnerService::new);
    }
}
