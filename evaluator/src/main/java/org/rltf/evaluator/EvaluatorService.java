package org.rltf.evaluator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.events.Checkpoint;
import org.rltf.events.Evaluation;
import org.rltf.events.Problem;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ClusterWait;
import org.rltf.kernel.EventConsumer;
import org.rltf.kernel.ProblemTable;
import org.rltf.kernel.Service;
import org.rltf.kernel.ServiceMain;
import org.rltf.policy.CheckpointException;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator service: checkpoints in, evaluations out (RLTF-METHOD.md section 6). It reads the run's checkpoints
 * topic in a consumer group of its own, so it never disturbs the generators or the learner; for each checkpoint due
 * ({@code evaluator.every.versions}) it loads the weights (verifying the event's sha256), samples and grades programs
 * for the held-out split's problems ({@link Evaluator}), and publishes one {@link Evaluation} keyed by the version,
 * stamped with the checkpoint's event time. Its programs go nowhere else: no evaluation sample reaches the samples
 * topic, so none can enter the training buffer.
 *
 * <p>At-least-once: the consumer's offset is committed after the evaluation is acknowledged, so a crash between the
 * two evaluates that checkpoint again and publishes a second Evaluation with the same key and the same figures (the
 * sampling seed is fixed). A checkpoint that cannot be loaded (missing files, wrong digest, outside the store) is
 * dead-lettered with the reason, and the evaluator carries on.
 */
public final class EvaluatorService implements Service {
    private static final Logger log = LoggerFactory.getLogger(EvaluatorService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Progress callbacks, on the evaluator's thread. */
    public interface Listener {
        /** When an evaluation starts; {@code programs} will be sampled. */
        default void onStart(Checkpoint checkpoint, int programs) {}

        /** After each sampled batch. */
        default void onProgress(Checkpoint checkpoint, int sampled) {}

        /** After the evaluation is published. */
        default void onEvaluation(Evaluation evaluation, EvalReport report) {}
    }

    private final EvaluatorConfig config;
    private final Topics topics;
    private final String serviceName;
    private final Grader grader;
    private final ProblemTable problems;
    private final EventConsumer<String, Checkpoint> consumer;
    private final KafkaProducer<String, Evaluation> producer;
    private final Counter evaluations;
    private final Timer evaluationTimer;
    private volatile Listener listener = new Listener() {};
    private volatile Throwable failure;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Policy policy;
    private final Set<Long> requested = ConcurrentHashMap.newKeySet();
    /** Versions this instance has published an Evaluation for (run loop only): one delivered twice is evaluated once. */
    private final Set<Long> published = new HashSet<>();
    private final java.util.TreeMap<Long, ConsumerRecord<String, Checkpoint>> skipped = new java.util.TreeMap<>();

    public EvaluatorService(Map<String, ?> configs) {
        this(configs, new SimpleMeterRegistry());
    }

    /** Validates the config (a bad or unknown key fails here, naming it), starts the sandbox, creates the clients. */
    public EvaluatorService(Map<String, ?> configs, MeterRegistry meters) {
        this.config = new EvaluatorConfig(configs);
        this.topics = config.topics();
        this.serviceName = "evaluator/" + config.run();
        Map<String, Object> all = config.originals();
        Map<String, Object> graderProps = new HashMap<>(all);
        graderProps.putIfAbsent(GraderConfig.ID_CONFIG, "evaluator-" + config.run());
        this.evaluations = Counter.builder("rltf.evaluator.evaluations").tag("run", config.run())
                .description("Evaluations published").register(meters);
        this.evaluationTimer = Timer.builder("rltf.evaluator.evaluation").tag("run", config.run())
                .description("Time to evaluate one checkpoint").register(meters);

        Grader g = null;
        ProblemTable t = null;
        EventConsumer<String, Checkpoint> c = null;
        try {
            g = Grader.start(new GraderConfig(graderProps));
            AvroDeserializer<Problem> problemValues = new AvroDeserializer<>(Problem.class);
            problemValues.configure(ClientConfigs.serde(all), false);
            String split = config.split();
            t = ProblemTable.open(all, "rltf-evaluator-" + config.run() + "-problems", topics.problems(), problemValues,
                    p -> split.equals(p.getSplit()), bad -> log.warn("Evaluator {}: skipping an undecodable problem "
                            + "record at offset {}: {}", serviceName, bad.raw().offset(), bad.reason()),
                    Duration.ofSeconds(60));
            Map<String, Object> consumerConfig = new HashMap<>(ClientConfigs.serde(all));
            consumerConfig.putAll(ClientConfigs.consumer(all, "rltf-evaluator-" + config.run(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                            // An evaluation takes minutes on a CPU: the group must not give the partition away meanwhile.
                            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 3_600_000)));
            consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
            c = EventConsumer.create(consumerConfig, serviceName, Checkpoint.class, List.of(topics.checkpoints()));
            this.producer = new KafkaProducer<>(ClientConfigs.producer(all, "rltf-evaluator-" + config.run(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
                    new StringSerializer(), new AvroSerializer<>(ClientConfigs.serde(all), false));
        } catch (RuntimeException | Error e) {
            Utils.closeQuietly(c, "checkpoints consumer");
            Utils.closeQuietly(t, "problems table");
            Utils.closeQuietly(g, "grader");
            throw e;
        }
        this.grader = g;
        this.problems = t;
        this.consumer = c;
    }

    public EvaluatorConfig config() { return config; }

    public void setListener(Listener listener) { this.listener = listener == null ? new Listener() {} : listener; }

    /** The failure that stopped {@link #run()}, or null. */
    public Throwable failure() { return failure; }

    /** Evaluates checkpoints until {@link #close()} or a fatal error (rethrown). */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("EvaluatorService already ran");
        try {
            if (closing.get()) return;
            ClusterWait startup = ClusterWait.of(config.originals(), serviceName).stoppingWhen(closing::get);
            startup.awaitCluster("start evaluating for run " + config.run());
            startup.await("read " + topics.problems() + " to its end", problems::catchUp);
            log.info("Evaluator {}: {} problems of split '{}' in {}; evaluating every {} version(s) of {}", serviceName,
                    problems.size(), config.split(), topics.problems(), config.everyVersions(), topics.checkpoints());
            try {
                while (!closing.get()) {
                    consumer.poll(Duration.ofMillis(config.pollTimeoutMs()), this::handle);
                    evaluateRequested();
                }
            } catch (WakeupException e) {
                if (!closing.get()) throw e;
            }
        } catch (Exception e) {
            failure = e;
            log.error("Evaluator {} stopped on an unrecoverable error", serviceName, e);
            throw e instanceof RuntimeException r ? r : new KafkaException(e);
        } finally {
            closeAll();
            stopped.countDown();
        }
    }

    /**
     * Asks for checkpoint {@code version} to be evaluated even if {@code evaluator.every.versions} skips it (e.g. the
     * last checkpoint of a run); thread-safe. It is evaluated once its event has been read, soon if it already was.
     */
    public void evaluateAlso(long version) {
        requested.add(version);
    }

    private void evaluateRequested() {
        for (Long v : List.copyOf(requested)) {
            ConsumerRecord<String, Checkpoint> r = skipped.remove(v);
            if (r != null) {
                requested.remove(v);
                try {
                    evaluate(r);
                } catch (InvalidEventException e) {
                    // Asked for outside the consumer's loop, so logged here instead of dead-lettered twice.
                    log.warn("Evaluator {}: {}", serviceName, e.getMessage());
                }
            }
        }
    }

    private void handle(ConsumerRecord<String, Checkpoint> record) {
        long v = record.value().getVersion();
        if (published.contains(v)) return; // delivered again after a rebalance: its Evaluation is out already
        boolean due = v == 0 ? config.evaluatesInitial() : v % config.everyVersions() == 0;
        if (due || requested.remove(v)) {
            evaluate(record);
        } else {
            skipped.put(v, record);
            // Only recent skipped versions can still be asked for.
            while (skipped.size() > 64) skipped.pollFirstEntry();
        }
    }

    private void evaluate(ConsumerRecord<String, Checkpoint> record) {
        Checkpoint cp = record.value();
        long v = cp.getVersion();
        problems.poll();
        List<Problem> chosen = problems.list();
        if (config.maxProblems() > 0 && chosen.size() > config.maxProblems()) chosen = chosen.subList(0, config.maxProblems());
        if (chosen.isEmpty())
            throw new InvalidEventException("no problem of split '" + config.split() + "' in " + topics.problems()
                    + " to evaluate checkpoint v" + v + " on");
        load(cp);
        EvalSettings settings = config.settings();
        int programs = chosen.size() * (settings.n() + 1);
        listener.onStart(cp, programs);
        long t0 = System.nanoTime();
        EvalReport report = new Evaluator(grader).evaluate(policy, chosen, datasetOf(chosen), config.split(), settings,
                sampled -> listener.onProgress(cp, sampled));
        evaluationTimer.record(Duration.ofNanos(System.nanoTime() - t0));
        Evaluation evaluation = report.toEvaluation(config.run(), v, cp.getStep());
        writeResults(v, report);
        try {
            // Event time: the checkpoint's.
            producer.send(new ProducerRecord<>(topics.evaluations(), null, record.timestamp(), Long.toString(v),
                    evaluation)).get();
        } catch (ExecutionException e) {
            throw new KafkaException("Could not publish the evaluation of checkpoint v" + v, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while publishing the evaluation of checkpoint v" + v, e);
        }
        published.add(v);
        evaluations.increment();
        log.info("Evaluator {}: checkpoint v{} (step {}) pass@1 {} greedy {} on {} problems in {} s", serviceName, v,
                cp.getStep(), String.format("%.3f", report.passAtK(settings.ks().get(0))),
                String.format("%.3f", report.greedyPassAt1()), report.problems(), String.format("%.1f", report.seconds()));
        listener.onEvaluation(evaluation, report);
    }

    /** The checkpoint's weights, verified against its event; a bad checkpoint is the record's fault (dead letter). */
    private void load(Checkpoint cp) {
        try {
            URI uri = URI.create(cp.getUri());
            if (!"file".equals(uri.getScheme())) throw new IllegalArgumentException("not a file: URI: " + uri);
            Path dir = Path.of(uri).toAbsolutePath().normalize();
            Path store = config.checkpointStoreDir();
            if (store != null && !dir.startsWith(store))
                throw new IllegalArgumentException(dir + " lies outside " + EvaluatorConfig.CHECKPOINT_STORE_DIR_CONFIG
                        + "=" + store);
            if (policy != null && ModelConfig.fromJson(cp.getModelConfig()).equals(policy.config())) {
                policy.loadWeights(dir, cp.getSha256());
            } else {
                Policy next = Policy.load(dir, cp.getSha256(), PolicyRuntime.defaultDevice());
                if (policy != null) policy.close();
                policy = next;
            }
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new InvalidEventException("checkpoint v" + cp.getVersion() + " cannot be evaluated: " + e.getMessage());
        }
    }

    private static String datasetOf(List<Problem> problems) {
        return problems.stream().map(Problem::getDataset).distinct().sorted().reduce((a, b) -> a + "+" + b).orElse("");
    }

    private void writeResults(long version, EvalReport report) {
        Path dir = config.resultsDir();
        if (dir == null) return;
        try {
            report.writeJsonLines(dir.resolve("v" + version + ".jsonl"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write evaluation results to " + dir, e);
        }
    }

    /** Stops after the evaluation in hand (if any) is published. */
    @Override
    public void close() {
        if (closing.getAndSet(true)) return;
        if (!started.get()) {
            closeAll();
            return;
        }
        consumer.stop();
        try {
            if (!stopped.await(30, TimeUnit.MINUTES)) log.warn("Evaluator {} did not stop within 30 minutes", serviceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeAll() {
        Utils.closeQuietly(consumer, "checkpoints consumer");
        Utils.closeQuietly(producer, "evaluations producer");
        Utils.closeQuietly(problems, "problems table");
        Utils.closeQuietly(grader, "grader");
        if (policy != null) Utils.closeQuietly(policy, "policy");
    }

    /** Runs an evaluator until SIGTERM/SIGINT; {@code --help} prints its keys. */
    public static void main(String[] args) {
        ServiceMain.main(EvaluatorConfig.SPEC, args, EvaluatorService::new);
    }
}
