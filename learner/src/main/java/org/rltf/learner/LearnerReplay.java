package org.rltf.learner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Stream;

import ai.djl.Device;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.Experience;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicScan;
import org.rltf.policy.Checkpoints;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.Safetensors;
import org.rltf.policy.SftExample;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rltf replay}: re-runs a run's learner from its log and checks that it gets the same weights.
 *
 * <p>A run is not reproducible from its seed (what the buffer holds when the learner takes a snapshot is timing),
 * but it is from its log, which records every step's exact batch: the LearnerStep's sample ids (the Experience
 * events the buffer wrote, with their tokens and advantages) and reference ids (the problems' reference solutions,
 * tokenised as the learner tokenises them), and each Checkpoint's {@code learner_config} (the optimizer, the
 * micro-batch size and the runtime's thread count: {@link RecordedSettings}). From run R's checkpoint v0 the replay
 * takes each recorded step with the learner's own update ({@link StepUpdate}), closes each period where R did, with
 * R's event times, and compares the checkpoint it saves with R's by digest.
 *
 * <p>Everything it writes goes to another run, R2 ({@code <store>/<R2>/v<N>}, R2's checkpoints and learner-steps
 * topics, committed as the learner commits them: {@link CheckpointLog}); R's topics and files are only read. On
 * CPU with R's thread count a replay reproduces every checkpoint bit for bit; where a digest differs it reports
 * how far the weights are apart (the largest absolute difference of any parameter) and the first step whose
 * recorded loss, gradient norm or learning rate the replay did not get, and stops there.
 *
 * <p>Not thread-safe; one replay per instance.
 */
public final class LearnerReplay {
    private static final Logger log = LoggerFactory.getLogger(LearnerReplay.class);
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    /**
     * What to replay.
     *
     * @param run        the recorded run R
     * @param toRun      the run the replay writes (null: the first of R-replay, R-replay-2, ... with no topics yet)
     * @param untilStep  the last step to replay (0: every recorded step)
     * @param overrides  learner settings to change ({@link RecordedSettings#OVERRIDABLE}), e.g. to see where a
     *                   different learning rate takes the run
     * @param store      the checkpoint store R2's checkpoints go to (null: R's store)
     */
    public record Options(String run, String toRun, long untilStep, Map<String, String> overrides, Path store) {
        public Options {
            Topics.validateRun(run);
            if (toRun != null) Topics.validateRun(toRun);
            if (untilStep < 0) throw new IllegalArgumentException("untilStep must be >= 0, got " + untilStep);
            overrides = Map.copyOf(overrides);
        }
    }

    /** A step whose recorded statistic the replay did not reproduce. */
    public record StepDiff(long step, String field, double recorded, double replayed) {}

    /**
     * A replayed checkpoint against the recorded one: the digests, and when they differ, the largest absolute
     * difference of any weight (and in which parameter) and of any optimizer moment (NaN when R's files are gone),
     * and the files that differ.
     */
    public record CheckpointMatch(long version, long step, String recordedSha256, String replayedSha256,
                                  double maxAbsWeightDiff, String parameter, double maxAbsMomentDiff,
                                  List<String> differingFiles) {
        public boolean reproduced() { return recordedSha256.equals(replayedSha256); }

        /** Weights and moments equal: the digest differs in settings only (an override), not in what was learned. */
        public boolean sameState() { return maxAbsWeightDiff == 0 && maxAbsMomentDiff == 0; }
    }

    /**
     * The outcome: every compared checkpoint in version order; the first that differs in its weights, if any,
     * with the first step whose weights differ (see {@link #firstDifferingStep}).
     */
    public record Report(String run, String toRun, long stepsReplayed, List<CheckpointMatch> checkpoints,
                         CheckpointMatch diverged, long firstDifferingStep, StepDiff firstStepDiff, List<String> notes) {
        public int reproduced() { return (int) checkpoints.stream().filter(CheckpointMatch::reproduced).count(); }

        public boolean allReproduced() { return diverged == null && checkpoints.stream().allMatch(CheckpointMatch::reproduced); }

        /** The answer in a sentence or two, as {@code rltf replay} prints it. */
        public String summary() {
            StringBuilder s = new StringBuilder();
            if (allReproduced()) {
                s.append("reproduced ").append(checkpoints.size()).append(" checkpoints of run ").append(run)
                        .append(" bit for bit (v0..v").append(checkpoints.get(checkpoints.size() - 1).version())
                        .append(", ").append(stepsReplayed).append(" steps) into run ").append(toRun);
            } else if (diverged != null) {
                s.append(String.format("run %s diverges at step %d: the replay's weights differ from checkpoint v%d "
                                + "(step %d) by at most %.3e (%s)", run, firstDifferingStep, diverged.version(),
                        diverged.step(), diverged.maxAbsWeightDiff(), diverged.parameter()));
                if (firstStepDiff != null)
                    s.append(String.format("; step %d's %s was %s, the replay's %s", firstStepDiff.step(),
                            firstStepDiff.field(), num(firstStepDiff.recorded()), num(firstStepDiff.replayed())));
                long before = checkpoints.stream().filter(c -> c != diverged && (c.reproduced() || c.sameState())).count();
                s.append("; the ").append(before).append(" checkpoints before it hold the same weights");
            } else {
                s.append("reproduced the weights and optimizer state of ").append(checkpoints.size())
                        .append(" checkpoints of run ").append(run).append("; ").append(checkpoints.size() - reproduced())
                        .append(" digests differ in the overridden settings only (")
                        .append(String.join(", ", checkpoints.stream().filter(c -> !c.reproduced())
                                .flatMap(c -> c.differingFiles().stream()).distinct().toList())).append(')');
            }
            return s.toString();
        }

        private static String num(double v) { return String.format("%.6e", v); }
    }

    /** Progress callbacks, on the replaying thread. */
    public interface Listener {
        default void onStep(long step, long lastStep) {}

        default void onCheckpoint(CheckpointMatch match) {}
    }

    private final Map<String, Object> cluster;
    private final Options options;
    private final Listener listener;
    private final Topics from;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param cluster {@code bootstrap.servers}, {@code schema.registry.url} and any common client keys
     *                (security settings reach every client)
     */
    public LearnerReplay(Map<String, ?> cluster, Options options, Listener listener) {
        this.cluster = new LinkedHashMap<>(cluster);
        this.options = options;
        this.listener = listener == null ? new Listener() {} : listener;
        this.from = Topics.forRun(options.run());
    }

    private record Stamped<T>(T value, long timestamp) {}

    /** Replays; a {@link ConfigException} or {@link IllegalStateException} says in one sentence why it cannot. */
    public Report run() {
        String run = options.run();
        List<Stamped<Checkpoint>> checkpoints = byKey(read(from.checkpoints(), Checkpoint.class), c -> c.getVersion());
        List<Stamped<LearnerStep>> steps = byKey(read(from.learnerSteps(), LearnerStep.class), s -> s.getStep());
        if (checkpoints.isEmpty() || checkpoints.get(0).value().getVersion() != 0)
            throw new IllegalStateException("run " + run + " has no checkpoint v0 in " + from.checkpoints()
                    + ": nothing to replay from");
        long lastStep = steps.isEmpty() ? 0 : steps.get(steps.size() - 1).value().getStep();
        long until = options.untilStep() == 0 ? lastStep : Math.min(options.untilStep(), lastStep);
        for (int i = 0; i < steps.size(); i++)
            if (steps.get(i).value().getStep() != i + 1)
                throw new IllegalStateException("run " + run + "'s learner-steps jump from step " + i + " to "
                        + steps.get(i).value().getStep() + ": the log is incomplete");
        Map<String, Experience> experiences = experiences();
        Map<String, SftExample> references = references();

        Checkpoint v0 = checkpoints.get(0).value();
        RecordedSettings settings = RecordedSettings.read(v0.getLearnerConfig(), options.overrides());
        runtime(settings);
        Path v0Dir = Path.of(URI.create(v0.getUri()));
        Path store = options.store() != null ? options.store().toAbsolutePath().normalize() : v0Dir.getParent().getParent();
        String toRun = options.toRun() != null ? options.toRun() : freeRun(run + "-replay");
        if (toRun.equals(run)) throw new ConfigException("--to-run", toRun, "a replay never writes into the run it replays");

        Policy policy = null;
        PolicyTrainer trainer = null;
        DeadLetters deadLetters = null;
        CheckpointLog out = null;
        try {
            LearnerConfig target = targetConfig(toRun, store);
            try (TopicAdmin admin = TopicAdmin.create(target.originals())) {
                admin.createRun(toRun);
            }
            deadLetters = DeadLetters.create(target.originals(), "replay/" + toRun);
            out = new CheckpointLog(target, deadLetters);
            out.initTransactions();
            if (out.newest() != null)
                throw new ConfigException("--to-run", toRun, "run " + toRun + " already has checkpoints; replay into a "
                        + "fresh run");

            policy = Policy.load(v0Dir, v0.getSha256(), Device.cpu());
            trainer = new PolicyTrainer(policy, settings.trainer());
            trainer.loadState(v0Dir);
            StepRecord record = new StepRecord(toRun, new SimpleMeterRegistry());
            String modelConfig = policy.config().toJson();

            List<CheckpointMatch> matches = new ArrayList<>();
            Checkpoint saved = out.commit(new CheckpointLog.Period(0, 0, checkpoints.get(0).timestamp(), List.of(),
                    record.periodMetrics(-1), modelConfig, settings.values()), trainer::saveCheckpoint, LearnerReplay::interrupted);
            record.periodCommitted();
            CheckpointMatch m0 = compare(v0, saved);
            matches.add(m0);
            listener.onCheckpoint(m0);
            if (!m0.reproduced() && !m0.sameState())
                return new Report(run, toRun, 0, matches, m0, 0, null, List.copyOf(notes));

            long done = 0;
            StepDiff firstDiff = null;
            long firstDiffStep = -1;
            for (int k = 1; done < until; k++) {
                Stamped<Checkpoint> closing = k < checkpoints.size() ? checkpoints.get(k) : null;
                if (closing != null && closing.value().getVersion() != k)
                    throw new IllegalStateException("run " + run + "'s checkpoints jump from v" + (k - 1) + " to v"
                            + closing.value().getVersion() + ": the log is incomplete");
                long end = closing == null ? until : Math.min(closing.value().getStep(), until);
                RecordedSettings next = closing == null ? settings
                        : RecordedSettings.read(closing.value().getLearnerConfig(), options.overrides());
                if (!next.sameUpdateAs(settings)) {
                    // What the learner did when it was restarted with other settings: load the last checkpoint anew.
                    notes.add("steps " + (done + 1) + ".." + end + " ran with other learner settings than the steps "
                            + "before them (a restarted learner); the replay switches where the run did");
                    Path dir = Path.of(URI.create(saved.getUri()));
                    Utils.closeQuietly(trainer, "trainer");
                    Utils.closeQuietly(policy, "policy");
                    policy = Policy.load(dir, saved.getSha256(), Device.cpu());
                    trainer = new PolicyTrainer(policy, next.trainer());
                    trainer.loadState(dir);
                }
                settings = next;

                long periodStart = done;
                for (; done < end; done++) {
                    Stamped<LearnerStep> stamped = steps.get((int) done);
                    LearnerStep s = stamped.value();
                    List<Experience> rl = new ArrayList<>(s.getSampleIds().size());
                    for (String id : s.getSampleIds()) {
                        Experience e = experiences.get(id);
                        if (e == null) throw new IllegalStateException("step " + s.getStep() + " of run " + run
                                + " trained on sample " + id + ", which " + from.experience() + " does not hold");
                        rl.add(e);
                    }
                    List<ReferenceExamples.Encoded> sl = new ArrayList<>(s.getReferenceIds().size());
                    for (String id : s.getReferenceIds()) {
                        SftExample ex = references.get(id);
                        if (ex == null) throw new IllegalStateException("step " + s.getStep() + " of run " + run
                                + " trained on reference solution " + id + ", which " + from.problems() + " does not hold");
                        sl.add(ReferenceExamples.encode(ex, policy.tokenizer(), policy.config().context(),
                                settings.slMaxTokens()));
                    }
                    StepUpdate.Result u = StepUpdate.apply(trainer, rl, sl, (float) settings.rlWeight(), settings.microBatch());
                    StepDiff diff = firstDifference(s, u);
                    if (diff != null && firstDiff == null) {
                        firstDiff = diff;
                        // A different learning rate changes this step's update; a different loss or gradient norm
                        // means the weights going into this step differed already, unless this is the period's
                        // first step, whose weights were the (matching) checkpoint's: then its data differed.
                        firstDiffStep = diff.field().equals("lr") || s.getStep() == periodStart + 1 ? s.getStep()
                                : s.getStep() - 1;
                    }
                    record.add(s.getStep(), s.getPolicyVersion(), s.getSeed(), rl, sl, u.lossRl(), u.lossSl(), u.stats(),
                            new StepRecord.Timings(u.weightsNanos(), u.accumulateNanos(), u.optimizerNanos()),
                            stamped.timestamp());
                    listener.onStep(s.getStep(), until);
                }
                boolean recorded = closing != null && end == closing.value().getStep();
                long stamp = recorded ? closing.timestamp() : steps.get((int) end - 1).timestamp();
                saved = out.commit(new CheckpointLog.Period(k, end, stamp, record.period(), record.periodMetrics(-1),
                        modelConfig, settings.values()), trainer::saveCheckpoint, LearnerReplay::interrupted);
                record.periodCommitted();
                if (!recorded) {
                    notes.add("steps " + (periodStart + 1) + ".." + end + " end before run " + run + "'s next checkpoint; "
                            + "their checkpoint v" + k + " has nothing to be compared with");
                    continue;
                }
                CheckpointMatch m = compare(closing.value(), saved);
                matches.add(m);
                listener.onCheckpoint(m);
                if (!m.reproduced() && !m.sameState()) {
                    long first = firstDiffStep > 0 ? firstDiffStep : end;
                    return new Report(run, toRun, done, matches, m, first, firstDiff, List.copyOf(notes));
                }
            }
            return new Report(run, toRun, done, matches, null, -1, firstDiff, List.copyOf(notes));
        } finally {
            Utils.closeQuietly(trainer, "trainer");
            Utils.closeQuietly(policy, "policy");
            Utils.closeQuietly(out, "checkpoint log");
            Utils.closeQuietly(deadLetters, "dead letters");
        }
    }

    // ---- the recorded run ---------------------------------------------------------------------------------------

    private <T> List<Stamped<T>> read(String topic, Class<T> type) {
        List<Stamped<T>> out = new ArrayList<>();
        try (Deserializer<T> values = deserializer(type)) {
            for (ConsumerRecord<byte[], byte[]> r : TopicScan.readAll(cluster, "rltf-replay-" + options.run(), topic,
                    READ_TIMEOUT))
                out.add(new Stamped<>(values.deserialize(topic, r.value()), r.timestamp()));
        }
        return out;
    }

    private <T> Deserializer<T> deserializer(Class<T> type) {
        return new AvroDeserializer<>(type, ClientConfigs.serde(cluster), false);
    }

    /** One event per key (version, step), in key order; a key recorded twice keeps its last record. */
    private static <T> List<Stamped<T>> byKey(List<Stamped<T>> events, Function<T, Long> key) {
        TreeMap<Long, Stamped<T>> m = new TreeMap<>();
        for (Stamped<T> e : events) m.put(key.apply(e.value()), e);
        return new ArrayList<>(m.values());
    }

    private Map<String, Experience> experiences() {
        Map<String, Experience> m = new HashMap<>();
        Set<String> ambiguous = new TreeSet<>();
        for (Stamped<Experience> e : read(from.experience(), Experience.class)) {
            Experience before = m.put(e.value().getSampleId(), e.value());
            if (before != null && !before.equals(e.value())) ambiguous.add(e.value().getSampleId());
        }
        if (!ambiguous.isEmpty())
            notes.add(ambiguous.size() + " samples have two different Experience events (e.g. " + ambiguous.iterator().next()
                    + "); the replay takes the last");
        return m;
    }

    private Map<String, SftExample> references() {
        Map<String, SftExample> m = new HashMap<>();
        // The compacted topic may still hold older versions of a problem: the newest (last) one wins.
        for (Stamped<Problem> p : read(from.problems(), Problem.class))
            for (ReferenceSolution r : p.value().getReferenceSolutions())
                m.put(r.getId(), new SftExample(r.getId(), p.value().getPrompt(), r.getCode()));
        return m;
    }

    // ---- the replaying learner ---------------------------------------------------------------------------------

    private void runtime(RecordedSettings settings) {
        if (!settings.device().startsWith("cpu"))
            notes.add("run " + options.run() + " trained on " + settings.device() + "; the replay runs on the CPU, "
                    + "where its sums need not come out the same to the last bit");
        int threads = settings.threads();
        if (PolicyRuntime.threads() != threads) {
            notes.add("libtorch threads set to the recorded " + threads + " (was " + PolicyRuntime.threads() + ")");
            PolicyRuntime.setThreads(threads);
        }
    }

    /** The replayed run's learner config: its checkpoint log writes R2's topics and {@code <store>/<R2>}. */
    private LearnerConfig targetConfig(String toRun, Path store) {
        Map<String, Object> m = new LinkedHashMap<>(cluster);
        m.put(RunConfig.RUN_CONFIG, toRun);
        m.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
        m.put(LearnerConfig.TRANSACTIONAL_ID_PREFIX_CONFIG, "rltf-replay");
        return new LearnerConfig(m);
    }

    private String freeRun(String base) {
        try (TopicAdmin admin = TopicAdmin.create(cluster)) {
            Set<String> existing = admin.admin().listTopics().names().get();
            for (int n = 1; ; n++) {
                String candidate = n == 1 ? base : base + "-" + n;
                if (!existing.contains(Topics.forRun(candidate).checkpoints())) return candidate;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the cluster's topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static StepDiff firstDifference(LearnerStep s, StepUpdate.Result u) {
        if (s.getLr() != u.stats().lr()) return new StepDiff(s.getStep(), "lr", s.getLr(), u.stats().lr());
        if (s.getLossSl() != u.lossSl()) return new StepDiff(s.getStep(), "loss_sl", s.getLossSl(), u.lossSl());
        if (s.getLossRl() != u.lossRl()) return new StepDiff(s.getStep(), "loss_rl", s.getLossRl(), u.lossRl());
        if (s.getGradNorm() != u.stats().gradNorm())
            return new StepDiff(s.getStep(), "grad_norm", s.getGradNorm(), u.stats().gradNorm());
        return null;
    }

    // ---- comparing checkpoints ----------------------------------------------------------------------------------

    private CheckpointMatch compare(Checkpoint recorded, Checkpoint replayed) {
        if (recorded.getSha256().equals(replayed.getSha256()))
            return new CheckpointMatch(recorded.getVersion(), recorded.getStep(), recorded.getSha256(),
                    replayed.getSha256(), 0, "", 0, List.of());
        Path a = Path.of(URI.create(recorded.getUri()));
        Path b = Path.of(URI.create(replayed.getUri()));
        if (!Files.isDirectory(a)) {
            notes.add("checkpoint v" + recorded.getVersion() + " of run " + options.run() + " is no longer at " + a
                    + ": its weights cannot be compared");
            return new CheckpointMatch(recorded.getVersion(), recorded.getStep(), recorded.getSha256(),
                    replayed.getSha256(), Double.NaN, "?", Double.NaN, List.of());
        }
        Diff weights = maxAbsDiff(a.resolve(Checkpoints.WEIGHTS), b.resolve(Checkpoints.WEIGHTS));
        Diff moments = maxAbsDiff(a.resolve("trainer/optimizer.safetensors"), b.resolve("trainer/optimizer.safetensors"));
        return new CheckpointMatch(recorded.getVersion(), recorded.getStep(), recorded.getSha256(), replayed.getSha256(),
                weights.max(), weights.tensor(), moments.max(), differingFiles(a, b));
    }

    private record Diff(double max, String tensor) {}

    private static Diff maxAbsDiff(Path a, Path b) {
        try {
            Map<String, Safetensors.Tensor> ta = Safetensors.read(a).tensors();
            Map<String, Safetensors.Tensor> tb = Safetensors.read(b).tensors();
            double max = 0;
            String where = "";
            for (Map.Entry<String, Safetensors.Tensor> e : ta.entrySet()) {
                Safetensors.Tensor other = tb.get(e.getKey());
                if (other == null || other.data().length != e.getValue().data().length)
                    return new Diff(Double.POSITIVE_INFINITY, e.getKey() + " (a different shape)");
                float[] x = e.getValue().data();
                float[] y = other.data();
                for (int i = 0; i < x.length; i++) {
                    double d = Math.abs((double) x[i] - y[i]);
                    if (d > max || Double.isNaN(d)) {
                        max = d;
                        where = e.getKey();
                    }
                }
            }
            return new Diff(max, where);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + a + " or " + b, e);
        }
    }

    /** The files of checkpoint directory {@code b} whose bytes differ from {@code a}'s, relative names. */
    private static List<String> differingFiles(Path a, Path b) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(b)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = b.relativize(f).toString();
                if (name.equals(Checkpoints.MANIFEST)) continue;
                Path other = a.resolve(name);
                if (!Files.exists(other) || Files.mismatch(f, other) != -1) out.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compare " + a + " with " + b, e);
        }
        return out;
    }

    /** A replay rides out an outage like the learner does, until the user stops it. */
    private static boolean interrupted() {
        return Thread.currentThread().isInterrupted();
    }
}
