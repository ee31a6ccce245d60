package org.rltf.lab.run;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import me.tongfei.progressbar.ProgressBar;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.broker.LocalStack;
import org.rltf.evaluator.EvalReport;
import org.rltf.evaluator.EvalSettings;
import org.rltf.evaluator.Evaluator;
import org.rltf.evaluator.EvaluatorConfig;
import org.rltf.evaluator.EvaluatorService;
import org.rltf.events.Checkpoint;
import org.rltf.events.Evaluation;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.Acks;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.RunConfig;
import org.rltf.lab.metrics.PrometheusMetrics;
import org.rltf.learner.LearnerService;
import org.rltf.policy.Checkpoints;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code rltf lab}, phase by phase: broker and registry, the problems, the supervised warm-up (cached), its
 * held-out evaluation (cached with it; version 0 of both arms), the online RLTF phase (graders, buffer and learner,
 * generator, and the evaluator, which evaluates the run's checkpoints on the held-out split), the supervised-only arm
 * from the same warm-up for the same number of steps and then for the same wall-clock time, and the summary.
 */
public final class LabRun {
    private static final Logger log = LoggerFactory.getLogger(LabRun.class);

    private final LabSettings s;
    private final LabConsole console;
    private final Path cache;
    private final String externalBootstrap;
    private final String externalRegistry;
    private final Path brokerData;
    private final LabSummary summary;
    private LabProblems problems;
    /**
     * The held-out problems in the order the run's evaluator takes them (by id, as its problem table holds them): the
     * sampling seed of each batch depends on its offset, so the warm-up and the supervised-only arms, evaluated here,
     * are compared with the RLTF arm's checkpoints on the same random draws.
     */
    private List<Problem> heldOutById;
    private Path initFrom;
    private int metricsPort = -1;
    private PrometheusMetrics metrics;
    private LabConfigs configs;

    /**
     * @param cache         where cached warm-ups live
     * @param bootstrap     an external cluster, or null for an embedded broker and registry (data under {@code brokerData})
     */
    public LabRun(LabSettings settings, LabConsole console, Path cache, String bootstrap, String registry, Path brokerData) {
        this.s = settings;
        this.console = console;
        this.cache = cache;
        this.externalBootstrap = bootstrap;
        this.externalRegistry = registry;
        this.brokerData = brokerData;
        this.summary = new LabSummary(settings);
    }

    public LabSummary summary() { return summary; }

    /** Serve the services' meters for Prometheus on {@code port} (0: any free port) while the lab runs. */
    public LabRun metricsPort(int port) {
        this.metricsPort = port;
        return this;
    }

    /** Start both arms from this checkpoint instead of a (cached) warm-up. */
    public LabRun initFrom(Path checkpoint) {
        this.initFrom = checkpoint;
        return this;
    }

    public void run() throws Exception {
        long started = System.nanoTime();
        problems = LabProblems.resolve(s.problems(), s.trainProblems(), s.testProblems(), s.testsOnlyShare(), s.seed(),
                cache.resolveSibling("curriculum"));
        heldOutById = problems.heldOut().stream().sorted(Comparator.comparing(Problem::getId)).toList();
        int referenced = problems.referenced().size();
        console.line("Problems: %s, %d training (%d with reference solutions, %d tests only), %d held out",
                s.problems(), problems.train().size(), referenced, problems.train().size() - referenced,
                problems.heldOut().size());
        if (!problems.note().isEmpty()) console.line("  %s", problems.note());
        if (!s.problems().startsWith("builtin"))
            console.line("  (a %s model trained from scratch for minutes solves next to none of %s: expect pass rates "
                    + "near zero; the built-in curriculum is sized for it)", s.preset(), s.problems());
        summary.fact("train_problems", problems.train().size());
        summary.fact("referenced_problems", referenced);
        summary.fact("heldout_problems", problems.heldOut().size());

        LocalStack stack = null;
        try {
            Map<String, Object> cluster = new LinkedHashMap<>();
            if (externalBootstrap == null) {
                stack = LocalStack.builder().dataDir(brokerData).start();
                cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
                cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, stack.schemaRegistryUrl());
                console.line("Broker %s, schema registry %s (data in %s)", stack.bootstrapServers(),
                        stack.schemaRegistryUrl(), brokerData);
            } else {
                cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, externalBootstrap);
                cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, externalRegistry);
            }
            if (metricsPort >= 0) {
                metrics = PrometheusMetrics.start("0.0.0.0", metricsPort);
                console.line("Prometheus metrics on http://localhost:%d/metrics", metrics.port());
            }
            configs = new LabConfigs(s, metrics == null ? cluster : PrometheusMetrics.withKafkaClientMeters(cluster));
            configs.validate();
            for (String run : s.compare() ? List.of(s.run(), s.slRun()) : List.of(s.run())) {
                ProblemImport.createTopics(cluster, run);
                ProblemImport.publish(cluster, run, problems.all(), s.epochMs());
            }

            Warmup.Result warm = initFrom != null ? new Warmup.Result(initFrom, true, 0, Double.NaN)
                    : Warmup.obtain(new Warmup.Spec(Warmup.examples(problems.referenced()), s.preset(), s.warmupSteps(),
                    s.warmupBatch(), s.warmupLr(), 0.1, s.seed(), s.threads()), cache, console);
            if (initFrom != null) console.line("Starting point: %s (given; no warm-up)", initFrom);
            else console.line("Warm-up: %s (%s)", warm.checkpoint(), warm.cached()
                    ? String.format("cached; it took %.0f s to train", warm.trainSeconds())
                    : String.format("trained in %.0f s, final loss %.3f", warm.trainSeconds(), warm.finalLoss()));
            summary.fact("warmup_seconds", warm.trainSeconds());
            summary.fact("warmup_cached", warm.cached());

            EvalReport initial = warmupEvaluation(warm.checkpoint(), initFrom == null);
            Evaluation initialEvent = initial.toEvaluation(s.run(), 0, 0);
            publishInitial(cluster, initialEvent);
            long rlNanos = online(warm.checkpoint(), initialEvent, initial);
            if (s.compare()) supervisedOnly(warm.checkpoint(), rlNanos);
            summary.fact("total_seconds", (System.nanoTime() - started) / 1e9);
        } finally {
            if (metrics != null) metrics.close();
            if (stack != null) stack.close();
        }
        summary.print(console.out());
        Path json = summary.writeJson(s.runDir());
        Path png = summary.writePlot(s.runDir());
        console.line("%nSummary: %s%nPlot: %s%nLogs: %s", json, png, s.logs().resolve("rltf.log"));
    }

    /**
     * The warm-up's held-out evaluation (version 0 of both arms), before the online phase: evaluated there, by the
     * run's evaluator, it shared the two cores with the RLTF arm's first steps (a 105 s evaluation made 30 of 150
     * steps 56% slower), and the supervised-only arm, given the RLTF arm's wall time, had the cores to itself. With a
     * cached warm-up ({@code cacheable}) the evaluation is cached beside it, keyed by the evaluation's settings and
     * the held-out problems, so a second run with the same settings does not sample it again.
     */
    private EvalReport warmupEvaluation(Path warm, boolean cacheable) throws Exception {
        EvalSettings settings = new EvaluatorConfig(configs.evaluator()).settings();
        Path cached = null;
        if (cacheable) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("warm-up evaluation v1\n" + Checkpoints.sha256(warm) + "\n" + settings + "\n" + s.problems() + "\n")
                    .getBytes(UTF_8));
            for (Problem p : heldOutById) md.update((p.getId() + "\n").getBytes(UTF_8));
            String key = HexFormat.of().formatHex(md.digest()).substring(0, 16);
            cached = warm.resolveSibling("evaluations").resolve(key + ".jsonl");
        }
        EvalReport report;
        Path seconds = cached == null ? null : cached.resolveSibling(cached.getFileName() + ".seconds");
        if (seconds != null && Files.exists(seconds)) {
            report = EvalReport.readJsonLines(cached, s.problems(), "test", settings,
                    Double.parseDouble(Files.readString(seconds, UTF_8).trim()));
            console.line("Warm-up evaluation: held-out pass@1 %.1f%% (cached; it took %.0f s)", 100 * report.passAtK(1),
                    report.seconds());
            summary.fact("warmup_evaluation_cached", true);
        } else {
            try (Grader grader = labGrader()) {
                report = evaluateHeldOut(grader, "warm-up", warm, null);
            }
            console.line("Warm-up evaluation: held-out pass@1 %.1f%% (%.0f s)", 100 * report.passAtK(1), report.seconds());
            summary.fact("warmup_evaluation_cached", false);
            if (cached != null) {
                // The seconds file last: a cache entry without it (a run stopped while writing) is evaluated again.
                report.writeJsonLines(cached);
                Path partial = Files.writeString(seconds.resolveSibling(seconds.getFileName() + ".tmp"),
                        Double.toString(report.seconds()), UTF_8);
                Files.move(partial, seconds, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        report.writeJsonLines(s.evaluations().resolve("v0.jsonl")); // where the evaluator writes every other version
        return report;
    }

    /** The warm-up's Evaluation on the run's evaluations topic, as the evaluator publishes every other version's. */
    private void publishInitial(Map<String, Object> cluster, Evaluation evaluation) {
        String topic = Topics.forRun(s.run()).evaluations();
        try (KafkaProducer<String, Evaluation> producer = new KafkaProducer<>(ClientConfigs.producer(cluster,
                "rltf-lab-" + s.run(), Map.of(ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(),
                new AvroSerializer<>(ClientConfigs.serde(cluster), false))) {
            Acks.awaitAll(List.of(producer.send(new ProducerRecord<>(topic, null, s.epochMs(), "0", evaluation))),
                    i -> "the warm-up's evaluation", topic);
        }
    }

    /** The online RLTF phase; returns its wall time (learner start to its last checkpoint). */
    private long online(Path warm, Evaluation initialEvent, EvalReport initial) throws Exception {
        MeterRegistry meters = metrics != null ? metrics.registry() : new SimpleMeterRegistry();
        List<Map<String, Object>> graders = new ArrayList<>();
        for (int i = 0; i < s.graders(); i++) graders.add(configs.grader(i));
        Online online = new Online(meters);
        online.onEvaluation(initialEvent, initial);
        long max = s.steps();
        long t0 = System.nanoTime();
        try (ProgressBar bar = console.bar("RLTF", max, "steps");
             InProcessLoop loop = InProcessLoop.start(graders, configs.rltfLearner(warm), configs.generator(),
                     configs.evaluator(), meters, online.learnerListener(bar, t0), online)) {
            loop.awaitLearner(s.minutes() > 0 ? Duration.ofMillis((long) (s.minutes() * 60_000)) : null);
            long rlNanos = System.nanoTime() - t0;
            bar.stepTo(loop.learner().committedStep());
            loop.stopSampling();
            long last = loop.learner().committedVersion();
            summary.fact("rltf_seconds", rlNanos / 1e9);
            summary.fact("rltf_final_version", last);
            loop.evaluator().evaluateAlso(last);
            // The evaluator finishes the versions due and the last one; nothing else runs meanwhile.
            while (!online.evaluated(last)) {
                loop.throwFirstFailure();
                Thread.sleep(200);
            }
            EvalReport finalReport = online.reports.get(last);
            summary.arm(new LabSummary.Arm("rltf", "RLTF", last, loop.learner().committedStep(), rlNanos / 1e9,
                    finalReport));
            return rlNanos;
        }
    }

    /** Progress of the online phase: learner steps and evaluations, for the terminal and the summary. */
    private final class Online implements EvaluatorService.Listener {
        private final MeterRegistry meters;
        private final Map<Long, Evaluation> evaluations = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<Long, EvalReport> reports = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile double latestPassAt1 = Double.NaN;
        private volatile ProgressBar bar;
        private final Map<Long, Long> stepOfVersion = new java.util.concurrent.ConcurrentHashMap<>();

        Online(MeterRegistry meters) {
            this.meters = meters;
        }

        LearnerService.Listener learnerListener(ProgressBar bar, long t0) {
            this.bar = bar;
            return new LearnerService.Listener() {
                @Override public void onStep(LearnerStep step) {
                    summary.step(step);
                    bar.stepTo(step.getStep());
                    bar.setExtraMessage(" " + LabConsole.status(step, latestPassAt1, meters, t0));
                }

                @Override public void onCheckpoint(Checkpoint c) {
                    stepOfVersion.put(c.getVersion(), c.getStep());
                }
            };
        }

        boolean evaluated(long version) {
            return evaluations.containsKey(version);
        }

        @Override public void onEvaluation(Evaluation e, EvalReport report) {
            reports.put(e.getPolicyVersion(), report);
            evaluations.put(e.getPolicyVersion(), e);
            double p1 = report.passAtK(1);
            latestPassAt1 = p1;
            summary.point(new LabSummary.Point(e.getPolicyVersion(), e.getStep(), p1, report.seconds()));
            if (e.getPolicyVersion() == 0)
                summary.arm(new LabSummary.Arm("sft", "warm-up (supervised)", 0, 0, report.seconds(), report));
            log.info("held-out pass@1 of v{} (step {}): {}", e.getPolicyVersion(), e.getStep(), p1);
        }
    }

    /**
     * The supervised-only arm: the same warm-up trained with the supervised term alone, first for the RLTF arm's
     * number of optimizer steps, then on for the RLTF arm's wall time in all; each end is evaluated.
     */
    private void supervisedOnly(Path warm, long rlNanos) throws Exception {
        long rlSteps = summary.steps().isEmpty() ? 0 : summary.steps().get(summary.steps().size() - 1).getStep();
        if (rlSteps == 0) return;
        Path store = s.runDir().resolve("sl_only").resolve("checkpoints");
        Files.createDirectories(store);
        MeterRegistry meters = new SimpleMeterRegistry();
        long t0 = System.nanoTime();
        Checkpoint[] last = new Checkpoint[1];
        LearnerService.Listener track = new LearnerService.Listener() {
            @Override public void onCheckpoint(Checkpoint c) { last[0] = c; }
        };
        try (ProgressBar bar = console.bar("supervised only", rlSteps, "steps");
             InProcessLoop loop = InProcessLoop.start(List.of(), configs.slOnlyLearner(warm, store, rlSteps), null, null,
                     meters, stepsTo(bar, track), null)) {
            loop.awaitLearner(null);
        }
        long equalSteps = System.nanoTime() - t0;
        Checkpoint atSteps = last[0];
        Checkpoint atTime = null;
        long remaining = rlNanos - equalSteps;
        if (remaining > TimeUnit.SECONDS.toNanos(5)) {
            try (ProgressBar bar = console.bar("supervised only, equal time", TimeUnit.NANOSECONDS.toSeconds(remaining), "s");
                 InProcessLoop loop = InProcessLoop.start(List.of(), configs.slOnlyLearner(warm, store, Long.MAX_VALUE / 2),
                         null, null, meters, track, null)) {
                long until = System.nanoTime() + remaining;
                Thread ticker = new Thread(() -> {
                    while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
                        bar.stepTo(TimeUnit.NANOSECONDS.toSeconds(remaining - (until - System.nanoTime())));
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "sl-ticker");
                ticker.setDaemon(true);
                ticker.start();
                loop.awaitLearner(Duration.ofNanos(remaining));
                ticker.interrupt();
            }
            atTime = last[0];
        }
        try (Grader grader = labGrader()) {
            evaluateOffline(grader, "sl_only", "supervised only, same steps", atSteps, equalSteps);
            if (atTime != null && atTime.getVersion() != atSteps.getVersion())
                evaluateOffline(grader, "sl_only_equal_time", "supervised only, same time", atTime, rlNanos);
        }
    }

    private LearnerService.Listener stepsTo(ProgressBar bar, LearnerService.Listener also) {
        return new LearnerService.Listener() {
            @Override public void onStep(LearnerStep step) {
                bar.stepTo(step.getStep());
                bar.setExtraMessage(String.format(" loss %.3f", step.getLossSl()));
            }

            @Override public void onCheckpoint(Checkpoint c) { also.onCheckpoint(c); }
        };
    }

    private void evaluateOffline(Grader grader, String name, String label, Checkpoint c, long nanos) {
        EvalReport report = evaluateHeldOut(grader, name, Path.of(java.net.URI.create(c.getUri())), c.getSha256());
        summary.arm(new LabSummary.Arm(name, label, c.getVersion(), c.getStep(), nanos / 1e9, report));
    }

    /** The sandbox that grades the lab's own evaluations (the warm-up's, the supervised-only arm's). */
    private static Grader labGrader() {
        return Grader.start(new GraderConfig(Map.of(GraderConfig.ID_CONFIG, "lab-evaluator",
                GraderConfig.PARALLELISM_CONFIG, 2)));
    }

    /**
     * The checkpoint in {@code dir} (its digest checked when {@code sha256} is given) evaluated on the held-out split
     * with the run's evaluator settings, with a progress bar named for {@code name}.
     */
    private EvalReport evaluateHeldOut(Grader grader, String name, Path dir, String sha256) {
        EvalSettings settings = new EvaluatorConfig(configs.evaluator()).settings();
        try (Policy policy = Policy.load(dir, sha256, PolicyRuntime.defaultDevice());
             ProgressBar bar = console.bar("evaluate " + name, heldOutById.size() * (settings.n() + 1L), "programs")) {
            return new Evaluator(grader).evaluate(policy, heldOutById, s.problems(), "test", settings, bar::stepTo);
        }
    }
}
