package org.rltf.lab.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.rltf.data.Datasets;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.generator.GeneratorConfig;
import org.rltf.generator.GeneratorService;
import org.rltf.generator.SampleIds;
import org.rltf.grader.service.GraderService;
import org.rltf.kernel.RunConfig;
import org.rltf.lab.Rltf;
import org.rltf.lab.run.LabConfigs;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.LabSettings;
import org.rltf.lab.run.ProblemImport;
import org.rltf.lab.run.RunLogs;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * A fault-injection run: the broker, the schema registry, the graders, the generator and the learner as separate
 * processes on loopback ({@link Child}), a run of the lab's small loop on them, the plan's faults (SIGKILL or SIGTERM
 * and a restart), then a drain (the generator stops, the graders and the buffer catch up, the learner stops
 * cleanly) and an {@link Audit} of every topic. A few malformed records are injected at the start, so dead letters
 * are checked too: a sample that is not Avro (the grader's to dead-letter), a feedback tombstone and a feedback
 * record of another schema (the buffer's).
 */
public final class ChaosRun {
    /** Small enough for a step in well under a second on two cores; MBPP prompts (~400 bytes) plus 32 tokens fit. */
    static final ModelConfig MODEL = new ModelConfig(2, 64, 2, 512, 257, "bytes");
    private static final int PROBLEMS = 8;
    private static final Duration DRAIN = Duration.ofMinutes(4);
    private static final Duration WARM_UP = Duration.ofMinutes(8);
    private static final Duration RECOVERY = Duration.ofMinutes(4);
    private static final String MARKER = ".rltf-chaos";

    private final ChaosPlan plan;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final Map<String, Child> children = new LinkedHashMap<>();
    private final List<double[]> repairs = new ArrayList<>(); // per fault: {stopped at, repaired at}

    private final boolean logsToFile;

    private ChaosRun(ChaosPlan plan, PrintStream out, boolean logsToFile) {
        this.plan = plan;
        this.out = out;
        this.logsToFile = logsToFile;
    }

    /**
     * Runs {@code plan}, printing its progress on {@code out}; the report says what held and what did not. With
     * {@code logsToFile} this JVM's own log goes to {@code <dir>/logs/chaos.log} instead of the terminal.
     */
    public static ChaosReport run(ChaosPlan plan, PrintStream out, boolean logsToFile) throws Exception {
        return new ChaosRun(plan, out, logsToFile).run();
    }

    private ChaosReport run() throws Exception {
        Path dir = plan.dir().toAbsolutePath();
        prepare(dir);
        if (logsToFile) {
            Files.createDirectories(dir.resolve("logs"));
            RunLogs.toFile(dir.resolve("logs").resolve("chaos.log"), false);
        }
        Path tmp = dir.resolve("tmp");
        Path logs = dir.resolve("logs");
        String run = "chaos";
        Topics topics = Topics.forRun(run);
        int port = freePort();
        int controllerPort = freePort();
        int registryPort = freePort();
        String bootstrap = "127.0.0.1:" + port;
        Map<String, Object> cluster = new HashMap<>();
        cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:" + registryPort);

        say("schedule (seed " + plan.seed() + "): " + plan.faults());
        List<String> small = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        Child broker = child(ChaosPlan.BROKER, ChaosBroker.class.getName(), jvm("-Xmx512m", small),
                List.of(Integer.toString(port), Integer.toString(controllerPort), dir.resolve("broker").toString()),
                logs, tmp);
        Child registry = child(ChaosPlan.REGISTRY, Rltf.class.getName(), jvm("-Xmx256m", small),
                List.of("registry", "--bootstrap-servers", bootstrap, "--host", "127.0.0.1", "--port",
                        Integer.toString(registryPort)), logs, tmp);
        broker.start();
        awaitBroker(bootstrap, Duration.ofMinutes(3));
        say("broker up at " + bootstrap);
        registry.start();
        awaitRegistry(registryPort, Duration.ofMinutes(2));
        say("registry up at http://127.0.0.1:" + registryPort);

        long epoch = System.currentTimeMillis();
        ProblemImport.createTopics(cluster, run);
        List<Problem> problems = LabProblems.limit(Datasets.split(Datasets.load("mbpp"), "train"), PROBLEMS);
        ProblemImport.publish(cluster, run, problems, epoch);
        Map<String, String> injected = inject(cluster, topics, epoch);
        Path init;
        try (Policy p = Policy.create(MODEL, Tokenizer.bytes(), plan.seed())) {
            init = p.save(dir.resolve("init")).dir();
        }

        LabSettings settings = new LabSettings(run, dir, epoch, plan.seed(), "mbpp", PROBLEMS, 0, 0.0, "tiny", 0, 0, 0,
                1_000_000L, 0, plan.checkpointInterval(), 2, 2, 32, 1.0f, plan.graders(), 3e-3, 2, 2, 2, 1, false, 1, "greedy", 1, 1.0, 1.0, 0.0, "uniform",
                Map.of(LearnerConfig.SL_MAX_TOKENS_CONFIG, "96",
                        // A service restarted while the broker or the registry is away waits for it.
                        RunConfig.STARTUP_TIMEOUT_MS_CONFIG, "600000"));
        LabConfigs configs = new LabConfigs(settings, cluster);
        List<String> model = List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1");
        List<Child> graders = new ArrayList<>();
        for (int i = 0; i < plan.graders(); i++)
            graders.add(child(ChaosPlan.grader(i), GraderService.class.getName(), jvm("-Xmx384m", small),
                    args(configs.grader(i)), logs, tmp));
        Child generator = child(ChaosPlan.GENERATOR, GeneratorService.class.getName(), jvm("-Xmx768m", model),
                args(configs.generator()), logs, tmp);
        Child learner = child(ChaosPlan.LEARNER, LearnerService.class.getName(), jvm("-Xmx1g", model),
                args(configs.rltfLearner(init)), logs, tmp);
        String generatorId = String.valueOf(configs.generator().get(GeneratorConfig.GENERATOR_ID_CONFIG));

        try (Tail tail = new Tail(cluster, topics, start); Audit audit = new Audit(cluster, topics)) {
            for (Child g : graders) g.start();
            learner.start();
            generator.start();
            say("services started: " + plan.graders() + " graders, the learner, the generator (logs in " + logs + ")");

            // The faults start once the run is going (its first committed learner steps): on a loaded machine the
            // services take a while to start, and a fault before that tests start-up, not recovery.
            if (!waitFor(() -> tail.count(topics.learnerSteps()) > 0, WARM_UP))
                throw new IllegalStateException("no learner step was committed within " + WARM_UP + "; see " + logs);
            double clock = now();
            say("the run is going: first learner steps committed; faults from now on");

            // The faults in time order, each after the previous one's services produce again; a status line every 30 s.
            List<Fault> faults = new ArrayList<>(plan.faults());
            faults.sort(Comparator.comparingDouble(Fault::atSeconds));
            for (Fault f : faults) {
                waitUntil(Math.max(clock + f.atSeconds(), now() + 5), tail, topics);
                Child target = children.get(f.target());
                double stopped = now();
                if (f.kind() == Fault.Kind.KILL) target.kill();
                else target.term(120);
                say(f.kind() + " " + f.target() + (f.kind() == Fault.Kind.TERM ? " (stopped in "
                        + String.format("%.0f", now() - stopped) + " s)" : ""));
                waitUntil(now() + f.downSeconds(), tail, topics);
                target.start();
                double restarted = now();
                if (target == broker) awaitBroker(bootstrap, Duration.ofMinutes(3));
                if (target == registry) awaitRegistry(registryPort, Duration.ofMinutes(2));
                // Repaired: the process is back (and, for the broker or the registry, answering); the services'
                // recovery counts from here.
                double repaired = now();
                repairs.add(new double[] {stopped, repaired});
                say(f.target() + " started again after " + String.format("%.0f", restarted - stopped) + " s"
                        + (repaired - restarted >= 1 ? ", answering " + String.format("%.0f", repaired - restarted)
                        + " s later" : ""));
                List<String> affected = affected(f, graders);
                boolean back = waitFor(() -> firstOutputs(affected, repaired, tail, topics, audit, generatorId).values()
                        .stream().allMatch(Objects::nonNull), RECOVERY);
                say(back ? String.join(", ", affected) + " producing again after "
                        + String.format("%.0f", now() - repaired) + " s"
                        : "not all of " + affected + " produce again within " + RECOVERY.toSeconds() + " s");
            }
            waitUntil(Math.max(clock + plan.seconds(), now() + 15), tail, topics);

            // Drain: no new samples; every sample graded, every verdict in the buffer; the learner's last period.
            say("drain: stopping the generator");
            generator.term(120);
            boolean graded = waitFor(() -> ungraded(tail, topics).isEmpty(), DRAIN);
            say(graded ? "every sample has feedback" : "drain: " + ungraded(tail, topics).size() + " samples still ungraded");
            boolean buffered = waitFor(() -> unbuffered(tail, topics, audit).isEmpty(), DRAIN);
            say(buffered ? "every non-SANDBOX verdict is in the buffer" : "drain: "
                    + unbuffered(tail, topics, audit).size() + " verdicts not in the buffer yet");
            say("stopping the learner (it commits its last period) and the graders");
            learner.term(180);
            for (Child g : graders) g.term(60);

            say("auditing every topic with read_committed");
            ChaosReport.Counts counts = audit.count(settings.batchProblems() * (settings.samplesPerProblem() + 1),
                    injected);
            List<ChaosReport.Recovery> recoveries = recoveries(faults, tail, topics, audit, generatorId, graders);
            Map<String, Integer> exits = new LinkedHashMap<>();
            for (Child c : children.values()) if (c.unexpectedExit() != null) exits.put(c.name(), c.unexpectedExit());
            for (Child c : List.of(registry, broker)) c.term(60);
            Path state = settings.checkpoints().resolve(run).resolve("buffer-state");
            String bufferState = state + " (" + Audit.sizeMiB(state) + " MiB, kept for the learner's next start; the "
                    + "learner ran " + learner.starts() + " times)";
            return new ChaosReport(counts, recoveries, exits, Audit.leftovers(tmp), bufferState, now());
        } finally {
            for (Child c : children.values()) if (c.isAlive()) c.kill();
        }
    }

    // ---- the run's processes ----------------------------------------------------------------------------------------

    private Child child(String name, String main, List<String> jvm, List<String> args, Path logs, Path tmp) {
        Child c = new Child(name, main, jvm, args, logs, tmp);
        children.put(name, c);
        return c;
    }

    private static List<String> jvm(String heap, List<String> more) {
        List<String> all = new ArrayList<>(List.of(heap));
        all.addAll(more);
        return all;
    }

    private static List<String> args(Map<String, Object> config) {
        List<String> a = new ArrayList<>();
        config.forEach((k, v) -> a.add(k + "=" + v));
        return a;
    }

    /** Empties the run's directory: only a directory a chaos run made (or a new one), never anything else. */
    private static void prepare(Path dir) throws IOException {
        if (Files.exists(dir)) {
            boolean empty;
            try (Stream<Path> s = Files.list(dir)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.exists(dir.resolve(MARKER)))
                throw new IllegalArgumentException(dir + " exists and is not a chaos run's directory; choose another --dir");
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) if (!p.equals(dir)) Files.delete(p);
            }
        }
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(dir.resolve(MARKER), "a chaos run's directory: rltf chaos empties it at its start\n");
    }

    /** The malformed records the run starts with, by key, and which kind of service must dead-letter each. */
    private static Map<String, String> inject(Map<String, Object> cluster, Topics topics, long epoch) throws Exception {
        Map<String, String> injected = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(cluster, new ByteArraySerializer(), new ByteArraySerializer());
             AvroSerializer<Problem> problems = new AvroSerializer<>(cluster, false)) {
            p.send(new ProducerRecord<>(topics.samples(), null, epoch, bytes("chaos-garbage"), bytes("not an event"))).get();
            injected.put("chaos-garbage", "grader");
            p.send(new ProducerRecord<>(topics.feedback(), null, epoch, bytes("chaos-tombstone"), (byte[]) null)).get();
            injected.put("chaos-tombstone", "streams");
            Problem wrong = Problem.newBuilder().setRun(topics.run()).setId("chaos").setDataset("chaos").setSplit("none")
                    .setPrompt("a Problem where a Feedback belongs").setTests(TestSuite.newBuilder()
                            .setKind(TestKind.ASSERT).setAsserts(List.of("assert True")).build()).build();
            p.send(new ProducerRecord<>(topics.feedback(), null, epoch, bytes("chaos-mismatch"),
                    problems.serialize(topics.problems(), wrong))).get();
            injected.put("chaos-mismatch", "streams");
        }
        return injected;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private void awaitBroker(String bootstrap, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000))) {
            if (!waitFor(() -> {
                try {
                    return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
                } catch (Exception e) {
                    return false;
                }
            }, timeout)) throw new IllegalStateException("the chaos broker did not start within " + timeout);
        }
    }

    private void awaitRegistry(int port, Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        if (!waitFor(() -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/subjects")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }, timeout)) throw new IllegalStateException("the schema registry did not start within " + timeout);
    }

    // ---- waiting and watching ---------------------------------------------------------------------------------------

    private double now() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void say(String line) {
        out.printf("[%5.0f s] %s%n", now(), line);
        out.flush();
    }

    /** Sleeps until {@code at} seconds into the run, printing a status line every 30 s and any process that exited. */
    private void waitUntil(double at, Tail tail, Topics topics) throws InterruptedException {
        double lastStatus = now();
        while (now() < at) {
            Thread.sleep((long) Math.min(1000, Math.max(1, (at - now()) * 1000)));
            reportExits();
            if (now() - lastStatus >= 30) {
                lastStatus = now();
                say(String.format("status: %d samples, %d feedback, %d experience, %d learner steps, %d checkpoints",
                        tail.count(topics.samples()), tail.count(topics.feedback()), tail.count(topics.experience()),
                        tail.count(topics.learnerSteps()), tail.count(topics.checkpoints())));
            }
        }
    }

    private final Set<String> exitsReported = new HashSet<>();

    private void reportExits() {
        for (Child c : children.values())
            if (c.unexpectedExit() != null && exitsReported.add(c.name())) {
                say(c.name() + " exited by itself with status " + c.unexpectedExit() + " (not restarted); see " + c.log()
                        + "; its last lines:");
                // Printed here because a test's temporary directory, and the log in it, is gone by the time anyone
                // looks: an exit seen once in five CI runs was never explained for want of this log.
                c.tail(40).lines().forEach(line -> say("  | " + line));
            }
    }

    private boolean waitFor(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            reportExits();
            if (condition.getAsBoolean()) return true;
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** Samples seen without feedback seen. */
    static Set<String> ungraded(Tail tail, Topics topics) {
        Set<String> samples = new HashSet<>();
        Set<String> graded = new HashSet<>();
        for (Tail.Seen s : tail.seen()) {
            if (s.topic().equals(topics.samples()) && s.key() != null && SampleIds.parse(s.key()).isPresent())
                samples.add(s.key());
            else if (s.topic().equals(topics.feedback())) graded.add(s.key());
        }
        samples.removeAll(graded);
        return samples;
    }

    /** Non-SANDBOX verdicts seen without experience seen. */
    static Set<String> unbuffered(Tail tail, Topics topics, Audit audit) {
        Set<String> rewardable = new HashSet<>();
        Set<String> buffered = new HashSet<>();
        for (Tail.Seen s : tail.seen()) {
            if (s.topic().equals(topics.feedback()) && s.value() != null) {
                Feedback f = audit.feedback(s.value());
                if (f != null && f.getOutcome() != Outcome.SANDBOX_ERROR) rewardable.add(s.key());
            } else if (s.topic().equals(topics.experience())) {
                buffered.add(s.key());
            }
        }
        rewardable.removeAll(buffered);
        return rewardable;
    }

    /** The services a fault affects: a process fault that process; a broker or registry fault every service. */
    private static List<String> affected(Fault f, List<Child> graders) {
        List<String> affected = new ArrayList<>();
        if (f.target().equals(ChaosPlan.BROKER) || f.target().equals(ChaosPlan.REGISTRY)) {
            affected.add(ChaosPlan.GENERATOR);
            for (Child g : graders) affected.add(g.name());
            affected.add(ChaosPlan.LEARNER);
        } else {
            affected.add(f.target());
        }
        return affected;
    }

    /**
     * Per service, the seconds from {@code after} to its first committed output after it (null: none yet): the
     * generator's next sample, a grader's next feedback, the learner's next committed step.
     */
    private static Map<String, Double> firstOutputs(List<String> services, double after, Tail tail, Topics topics,
                                                    Audit audit, String generatorId) {
        Map<String, Double> first = new LinkedHashMap<>();
        for (String service : services) first.put(service, null);
        for (Tail.Seen s : tail.seen()) {
            if (s.at() <= after) continue;
            for (String service : services)
                if (first.get(service) == null && isOutputOf(service, s, topics, generatorId, audit))
                    first.put(service, s.at() - after);
        }
        return first;
    }

    /** Per fault, per affected service, the seconds from the repair to its next committed output. */
    private List<ChaosReport.Recovery> recoveries(List<Fault> faults, Tail tail, Topics topics, Audit audit,
                                                  String generatorId, List<Child> graders) {
        List<ChaosReport.Recovery> out = new ArrayList<>();
        for (int i = 0; i < faults.size() && i < repairs.size(); i++) {
            double repaired = repairs.get(i)[1];
            out.add(new ChaosReport.Recovery(faults.get(i), repaired,
                    firstOutputs(affected(faults.get(i), graders), repaired, tail, topics, audit, generatorId)));
        }
        return out;
    }

    private static boolean isOutputOf(String service, Tail.Seen s, Topics topics, String generatorId, Audit audit) {
        if (service.equals(ChaosPlan.GENERATOR))
            return s.topic().equals(topics.samples()) && s.key() != null
                    && SampleIds.parse(s.key()).map(id -> id.generatorId().equals(generatorId)).orElse(false);
        if (service.equals(ChaosPlan.LEARNER)) return s.topic().equals(topics.learnerSteps());
        if (!s.topic().equals(topics.feedback()) || s.value() == null) return false;
        Feedback f = audit.feedback(s.value());
        return f != null && service.equals(f.getGraderId());
    }
}
