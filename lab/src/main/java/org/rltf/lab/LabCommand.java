package org.rltf.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.broker.LocalStack;
import org.rltf.data.Datasets;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.generator.GeneratorConfig;
import org.rltf.generator.GeneratorService;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.TopicAdmin;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.streams.BufferConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf lab}: the single-machine default. Starts an embedded Kafka broker and schema registry (or uses
 * {@code --bootstrap-servers}), creates the run's topics, imports a dataset's training problems, then runs the
 * grader(s), the learner with its embedded buffer, and a generator in this JVM until the learner reaches
 * {@code --steps}; prints progress and a summary, and exits 0.
 *
 * <p>The defaults (a 16-problem MBPP training subset, the tiny model, 20 steps) finish in a few minutes on two
 * CPU cores. A model this small trained for minutes from random weights writes no working program: the run shows
 * the loop working (checkpoints, version switches, rewards, losses), not a useful policy.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "Run the whole RLTF loop in this process: broker, registry, grader, buffer, learner and "
                + "generator, on a small dataset, until the learner reaches --steps.")
public final class LabCommand implements Callable<Integer> {

    @Option(names = "--run", defaultValue = "lab", description = "Run name (default: ${DEFAULT-VALUE}).")
    String run;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster instead of an embedded broker.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "The schema registry, with --bootstrap-servers.")
    String schemaRegistryUrl;

    @Option(names = "--data-dir", description = "Keep the embedded broker's data here (default: a temporary directory, "
            + "deleted at exit).")
    Path dataDir;

    @Option(names = "--dataset", defaultValue = "mbpp", description = "Dataset spec: mbpp, humaneval, apps:DIR, "
            + "apps-jsonl:FILE (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--split", defaultValue = "train", description = "The split to train on (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--problems", defaultValue = "16", description = "How many of the split's problems to import, in "
            + "dataset order; 0 = all (default: ${DEFAULT-VALUE}).")
    int problems;

    @Option(names = "--preset", defaultValue = "tiny", description = "Model shape: tiny, small or base (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--steps", defaultValue = "20", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = {"-K", "--checkpoint-interval"}, defaultValue = "5",
            description = "A checkpoint every K steps (default: ${DEFAULT-VALUE}).")
    int checkpointInterval;

    @Option(names = "--checkpoint-dir", description = "Checkpoint store (default: ./runs/<run>/checkpoints).")
    Path checkpointDir;

    @Option(names = {"-k", "--samples-per-problem"}, defaultValue = "4",
            description = "Programs sampled per problem and round, plus one greedy (default: ${DEFAULT-VALUE}).")
    int samplesPerProblem;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Most tokens per program (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--graders", defaultValue = "1", description = "Grader instances (default: ${DEFAULT-VALUE}).")
    int graders;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate; a model trained from scratch needs far "
            + "more than the paper's 2e-6 (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "42", description = "Run seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-c", "--config"}, description = "Any service setting, key=value (repeatable), given to every "
            + "service; it overrides the lab's defaults (e.g. -c rl.batch=8 -c reward.fine.enabled=false).")
    Map<String, String> extra = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (bootstrapServers != null && schemaRegistryUrl == null)
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--schema-registry-url is required with --bootstrap-servers");
        Topics.validateRun(run);
        long started = System.nanoTime();
        // The run's epoch: the one wall-clock read of the run, recorded as the time of its first events (problems,
        // checkpoint v0); every later event time derives from it.
        long epoch = System.currentTimeMillis();
        LocalStack stack = null;
        if (bootstrapServers == null) {
            LocalStack.Builder builder = LocalStack.builder();
            if (dataDir != null) builder.dataDir(dataDir.toAbsolutePath());
            stack = builder.start();
            bootstrapServers = stack.bootstrapServers();
            schemaRegistryUrl = stack.schemaRegistryUrl();
            System.out.println("Embedded Kafka at " + bootstrapServers + ", schema registry at " + schemaRegistryUrl);
        }
        try {
            Map<String, Object> common = new LinkedHashMap<>();
            common.put("bootstrap.servers", bootstrapServers);
            common.put("schema.registry.url", schemaRegistryUrl);
            try (TopicAdmin admin = TopicAdmin.create(common)) {
                admin.createRun(run);
            }
            List<Problem> imported = importProblems(common, run, dataset, split, problems, epoch);
            System.out.printf("Run %s: imported %d %s problems of %s into %s%n", run, imported.size(), split, dataset,
                    Topics.forRun(run).problems());

            Path store = (checkpointDir != null ? checkpointDir : Path.of("runs", run, "checkpoints")).toAbsolutePath();
            Defaults d = new Defaults(run, common, store, epoch);
            d.steps = steps;
            d.checkpointInterval = checkpointInterval;
            d.preset = preset;
            d.samplesPerProblem = samplesPerProblem;
            d.maxNewTokens = maxNewTokens;
            d.lr = lr;
            d.seed = seed;
            d.split = split;
            MeterRegistry meters = new SimpleMeterRegistry();
            Progress progress = new Progress(steps, meters);
            List<Map<String, Object>> graderConfigs = new ArrayList<>();
            for (int i = 0; i < graders; i++) graderConfigs.add(d.grader(i, extra));
            System.out.printf("Training the %s model for %d steps (checkpoint every %d), %d samples + 1 greedy per "
                    + "problem, %d grader(s); checkpoints in %s%n", preset, steps, checkpointInterval, samplesPerProblem,
                    graders, store);
            try (Loop loop = Loop.start(graderConfigs, d.learner(extra), d.generator(extra), meters, progress)) {
                loop.awaitLearner(null);
            }
            progress.summary(run, store, System.nanoTime() - started);
            return 0;
        } finally {
            if (stack != null) stack.close();
        }
    }

    /** Publishes the first {@code limit} problems of {@code split} (all when 0) to the run's problems topic. */
    public static List<Problem> importProblems(Map<String, Object> common, String run, String dataset, String split,
                                               int limit, long timestamp) throws Exception {
        List<Problem> all = Datasets.split(Datasets.load(dataset), split);
        if (all.isEmpty())
            throw new IllegalArgumentException("dataset " + dataset + " has no problems in split '" + split + "'");
        List<Problem> chosen = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        String topic = Topics.forRun(run).problems();
        Map<String, Object> producerConfig = ClientConfigs.producer(common, "rltf-import-" + run,
                Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        List<Problem> published = new ArrayList<>(chosen.size());
        try (KafkaProducer<String, Problem> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new AvroSerializer<>(common, false))) {
            for (Problem p : chosen) {
                Problem withRun = Problem.newBuilder(p).setRun(run).build();
                producer.send(new ProducerRecord<>(topic, null, timestamp, p.getId(), withRun));
                published.add(withRun);
            }
            producer.flush();
        }
        return published;
    }

    /** The lab's service settings: sized for a small CPU machine; every key can be overridden. */
    public static final class Defaults {
        final String run;
        final Map<String, Object> common;
        final Path store;
        final long epoch;
        public long steps = 20;
        public int checkpointInterval = 5;
        public String preset = "tiny";
        public int samplesPerProblem = 4;
        public int batchProblems = 4;
        public int maxNewTokens = 128;
        public int rlBatch = 4;
        public int slBatch = 4;
        public double lr = 1e-3;
        public long seed = 42;
        public String split = "train";

        public Defaults(String run, Map<String, Object> common, Path store, long epoch) {
            this.run = run;
            this.common = common;
            this.store = store;
            this.epoch = epoch;
        }

        private Map<String, Object> base() {
            Map<String, Object> m = new LinkedHashMap<>(common);
            m.put("run", run);
            m.put("seed", Long.toString(seed));
            m.put("checkpoint.store.dir", store.toString());
            m.put("problems.split", split);
            return m;
        }

        /**
         * The run's keys and the learner's own (with its buffer's and rewards'). Of {@code overrides} (-c, given to
         * every service) it takes those it reads, an old name under its new one, and any key under its prefixes, so
         * a mistyped learner key still fails at start-up while another service's key is left to that service.
         */
        public Map<String, Object> learner(Map<String, String> overrides) {
            Map<String, Object> m = new LinkedHashMap<>();
            common.forEach((k, v) -> {
                if (ConfigContract.accepts(LearnerConfig.SPEC, k)) m.put(k, v);
            });
            int round = batchProblems * (samplesPerProblem + 1);
            m.put(LearnerConfig.RUN_CONFIG, run);
            m.put(LearnerConfig.SEED_CONFIG, Long.toString(seed));
            m.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
            m.put(LearnerConfig.PROBLEMS_SPLIT_CONFIG, split);
            m.put(LearnerConfig.STEPS_CONFIG, Long.toString(steps));
            m.put(LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, Integer.toString(checkpointInterval));
            m.put(LearnerConfig.MODEL_PRESET_CONFIG, preset);
            m.put(LearnerConfig.RL_BATCH_CONFIG, Integer.toString(rlBatch));
            m.put(LearnerConfig.SL_BATCH_CONFIG, Integer.toString(slBatch));
            m.put(LearnerConfig.MICRO_BATCH_CONFIG, Integer.toString(Math.max(rlBatch, slBatch)));
            m.put(LearnerConfig.LR_CONFIG, Double.toString(lr));
            m.put(LearnerConfig.WARMUP_STEPS_CONFIG, Long.toString(Math.min(5, steps)));
            m.put(LearnerConfig.RUN_EPOCH_MS_CONFIG, Long.toString(epoch));
            m.put(BufferConfig.MIN_FILL_CONFIG, Integer.toString(round));
            m.put(BufferConfig.MAX_POLICY_LAG_CONFIG, "2");
            m.put(BufferConfig.SNAPSHOT_INTERVAL_STEPS_CONFIG, Integer.toString(checkpointInterval));
            m.put(BufferConfig.GROUP_SIZE_CONFIG, Integer.toString(samplesPerProblem));
            // Event time counts samples (1 ms each): wait up to 2000 samples for a problem's greedy program.
            m.put(BufferConfig.BASELINE_WAIT_MS_CONFIG, "2000");
            Set<String> own = LearnerConfig.SPEC.ownPrefixes();
            overrides.forEach((k, v) -> {
                int dot = k.indexOf('.');
                if (ConfigContract.accepts(LearnerConfig.SPEC, k) || (dot > 0 && own.contains(k.substring(0, dot))))
                    m.put(LearnerConfig.SPEC.renamed().getOrDefault(k, k), v);
            });
            return m;
        }

        /** Run and generator keys only (it refuses others); of the overrides, those it reads or under generator. */
        public Map<String, Object> generator(Map<String, String> overrides) {
            Map<String, Object> m = new LinkedHashMap<>();
            common.forEach((k, v) -> {
                if (ConfigContract.accepts(GeneratorConfig.SPEC, k)) m.put(k, v);
            });
            int round = batchProblems * (samplesPerProblem + 1);
            m.put(GeneratorConfig.RUN_CONFIG, run);
            m.put(GeneratorConfig.GENERATOR_ID_CONFIG, "gen-0");
            m.put(GeneratorConfig.SEED_CONFIG, Long.toString(seed));
            m.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, store.toString());
            m.put(GeneratorConfig.PROBLEMS_SPLIT_CONFIG, split);
            m.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, Integer.toString(samplesPerProblem));
            m.put(GeneratorConfig.BATCH_PROBLEMS_CONFIG, Integer.toString(batchProblems));
            m.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, Integer.toString(maxNewTokens));
            // Two samples published per RL sample trained on; room for the buffer's minimum fill and a period.
            m.put(GeneratorConfig.RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, Integer.toString(2 * rlBatch));
            m.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG,
                    Integer.toString(2 * round + 2 * rlBatch * checkpointInterval));
            overrides.forEach((k, v) -> {
                if (ConfigContract.accepts(GeneratorConfig.SPEC, k) || k.startsWith(GeneratorConfig.PREFIX))
                    m.put(GeneratorConfig.SPEC.renamed().getOrDefault(k, k), v);
            });
            return m;
        }

        /**
         * The run's keys and the grader's own only: the grader rejects keys it does not read. Of {@code overrides}
         * (-c, given to every service) it takes those it reads and any under its prefix, so a mistyped grader key
         * still fails at start-up while another service's key is left to that service.
         */
        public Map<String, Object> grader(int i, Map<String, String> overrides) {
            Map<String, Object> m = new LinkedHashMap<>(common);
            m.put(GraderServiceConfig.RUN_CONFIG, run);
            m.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "grader-" + i);
            m.put(GraderConfig.ID_CONFIG, "grader-" + i);
            m.put(GraderConfig.PARALLELISM_CONFIG, "2");
            overrides.forEach((k, v) -> {
                if (ConfigContract.accepts(GraderServiceConfig.SPEC, k) || k.startsWith("grader.")) m.put(k, v);
            });
            return m;
        }
    }

    /**
     * Graders, learner and generator of one run in this JVM, each on its own thread. Any of them may be left out
     * (null config), e.g. to run the learner in another process.
     */
    public static final class Loop implements AutoCloseable {
        private final List<GraderService> graders = new ArrayList<>();
        private LearnerService learner;
        private GeneratorService generator;
        private final List<Thread> threads = new ArrayList<>();
        private Thread learnerThread;
        private final Map<String, Throwable> failures = new ConcurrentHashMap<>();

        private Loop() {}

        public static Loop start(List<Map<String, Object>> graderConfigs, Map<String, Object> learnerConfig,
                                 Map<String, Object> generatorConfig, MeterRegistry meters,
                                 LearnerService.Listener listener) {
            Loop loop = new Loop();
            try {
                for (Map<String, Object> c : graderConfigs) {
                    GraderService g = new GraderService(c, meters);
                    loop.graders.add(g);
                    loop.thread("grader-" + loop.graders.size(), g);
                }
                if (learnerConfig != null) {
                    loop.learner = new LearnerService(learnerConfig, meters);
                    loop.learner.setListener(listener);
                    loop.learnerThread = loop.thread("learner", loop.learner);
                }
                if (generatorConfig != null) {
                    loop.generator = new GeneratorService(generatorConfig, meters);
                    loop.thread("generator", loop.generator);
                }
                return loop;
            } catch (RuntimeException e) {
                loop.close();
                throw e;
            }
        }

        private Thread thread(String name, Runnable service) {
            Thread t = new Thread(() -> {
                try {
                    service.run();
                } catch (Throwable e) {
                    failures.put(name, e);
                }
            }, name);
            t.start();
            threads.add(t);
            return t;
        }

        public LearnerService learner() { return learner; }

        public GeneratorService generator() { return generator; }

        public List<GraderService> graders() { return graders; }

        /** Failures of the services so far, by thread name. */
        public Map<String, Throwable> failures() { return Map.copyOf(failures); }

        /** Waits until the learner is done (null: no time limit); throws if any service fails first. */
        public void awaitLearner(Duration timeout) throws InterruptedException {
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            while (learnerThread.isAlive()) {
                learnerThread.join(200);
                if (!failures.isEmpty()) break;
                if (System.nanoTime() > deadline) throw new IllegalStateException("learner not done after " + timeout);
            }
            if (!failures.isEmpty()) {
                Map.Entry<String, Throwable> f = failures.entrySet().iterator().next();
                throw new IllegalStateException("the " + f.getKey() + " failed: " + f.getValue(), f.getValue());
            }
        }

        /** Stops the generator, the learner (committing its last steps) and the graders. */
        @Override
        public void close() {
            if (generator != null) generator.close();
            if (learner != null) learner.close();
            for (GraderService g : graders) g.close();
            for (Thread t : threads) {
                try {
                    t.join(TimeUnit.MINUTES.toMillis(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Prints a line per step and per checkpoint, and the summary. */
    static final class Progress implements LearnerService.Listener {
        private final long steps;
        private final MeterRegistry meters;
        private final List<LearnerStep> history = new ArrayList<>();
        private final List<Checkpoint> checkpoints = new ArrayList<>();
        private long lastNanos = System.nanoTime();

        Progress(long steps, MeterRegistry meters) {
            this.steps = steps;
            this.meters = meters;
        }

        @Override public synchronized void onStep(LearnerStep s) {
            long now = System.nanoTime();
            history.add(s);
            System.out.printf("step %3d/%d  v%d  loss %.4f (rl %.4f, sl %.4f)  mean reward %+.3f  lag %.1f  "
                            + "samples %d  graded %d  %.1fs%n", s.getStep(), steps, s.getPolicyVersion(), s.getLoss(),
                    s.getLossRl(), s.getLossSl(), s.getMeanReward(), s.getMeanPolicyLag(), count("rltf.generator.samples"),
                    count("rltf.grader.feedback"), (now - lastNanos) / 1e9);
            lastNanos = now;
        }

        @Override public synchronized void onCheckpoint(Checkpoint c) {
            checkpoints.add(c);
            System.out.printf("checkpoint v%d at step %d  (%d bytes, sha256 %s...)%n", c.getVersion(), c.getStep(),
                    c.getSizeBytes(), c.getSha256().substring(0, 12));
        }

        private long count(String name) {
            return (long) meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
        }

        synchronized void summary(String run, Path store, long nanos) {
            System.out.printf("%n== rltf lab: run %s finished in %.0f s ==%n", run, nanos / 1e9);
            System.out.printf("steps: %d, checkpoints: %d (newest v%d) in %s%n", history.isEmpty() ? 0
                    : history.get(history.size() - 1).getStep(), checkpoints.size(),
                    checkpoints.isEmpty() ? -1 : checkpoints.get(checkpoints.size() - 1).getVersion(), store);
            StringBuilder outcomes = new StringBuilder();
            for (Outcome o : Outcome.values()) {
                long n = (long) meters.find("rltf.grader.feedback").tag("outcome", o.name()).counters().stream()
                        .mapToDouble(Counter::count).sum();
                if (n > 0) outcomes.append(outcomes.length() == 0 ? "" : ", ").append(o).append(' ').append(n);
            }
            System.out.printf("samples published: %d; graded: %d (%s)%n", count("rltf.generator.samples"),
                    count("rltf.grader.feedback"), outcomes);
            if (!history.isEmpty()) {
                int n = Math.min(5, history.size());
                System.out.printf("mean reward: first %d steps %+.3f, last %d steps %+.3f%n", n, meanReward(0, n), n,
                        meanReward(history.size() - n, history.size()));
                System.out.printf("loss: step 1 %.4f (sl %.4f), step %d %.4f (sl %.4f)%n", history.get(0).getLoss(),
                        history.get(0).getLossSl(), history.get(history.size() - 1).getStep(),
                        history.get(history.size() - 1).getLoss(), history.get(history.size() - 1).getLossSl());
            }
        }

        private double meanReward(int from, int to) {
            double s = 0;
            for (int i = from; i < to; i++) s += history.get(i).getMeanReward();
            return s / Math.max(1, to - from);
        }
    }
}
