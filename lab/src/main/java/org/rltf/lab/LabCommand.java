package org.rltf.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.rltf.lab.run.LabConsole;
import org.rltf.lab.run.LabRun;
import org.rltf.lab.run.LabSettings;
import org.rltf.lab.run.RunLogs;
import org.rltf.schemas.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf lab}: the single-machine default, and the project's main job as a user meets it. It shows whether RLTF
 * makes the model better: a cached supervised warm-up, the online RLTF loop for a budget, and the same warm-up
 * trained as long with the supervised term only, all evaluated with pass@k on held-out problems ({@link LabRun}).
 */
@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run RLTF end to end in this process (embedded broker and registry, graders, buffer, learner, "
                + "generator, evaluator) and compare it with supervised-only training on held-out problems.")
public final class LabCommand implements Callable<Integer> {

    @Option(names = "--problems", defaultValue = "builtin", description = "Problems: builtin (the built-in curriculum), "
            + "mbpp, humaneval, apps:DIR or apps-jsonl:FILE (default: ${DEFAULT-VALUE}).")
    String problems;

    @Option(names = "--tests-only-share", defaultValue = "0.5", description = "Share of the training problems published "
            + "without reference solutions: RL learns from their tests, the supervised term cannot (default: ${DEFAULT-VALUE}).")
    double testsOnlyShare;

    @Option(names = "--train-problems", defaultValue = "0", description = "Most training problems (0 = the set's own "
            + "number; default: ${DEFAULT-VALUE}).")
    int trainProblems;

    @Option(names = "--test-problems", defaultValue = "200", description = "Most held-out problems (0 = the set's own "
            + "number; default: ${DEFAULT-VALUE}).")
    int testProblems;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed: problems, warm-up, sampling, batches "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--preset", defaultValue = "tiny", description = "Model shape: tiny, small or base (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--minutes", defaultValue = "0", description = "Wall-clock budget of the online RLTF phase; 0 = "
            + "until --steps (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--steps", defaultValue = "150", description = "Optimizer steps of the online phase, and of the "
            + "supervised-only arm (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--warmup-steps", defaultValue = "2000", description = "Supervised warm-up steps (default: "
            + "${DEFAULT-VALUE}: on the built-in curriculum 700 left the warm-up at 10%% held-out pass@1, 2000 at 38%%; README).")
    int warmupSteps;

    @Option(names = "--warmup-batch", defaultValue = "32", description = "Warm-up examples per step (default: ${DEFAULT-VALUE}).")
    int warmupBatch;

    @Option(names = "--warmup-lr", defaultValue = "3e-3", description = "Warm-up peak learning rate (default: ${DEFAULT-VALUE}).")
    double warmupLr;

    @Option(names = "--lr", defaultValue = "3e-4", description = "Peak learning rate of the online phase, both arms "
            + "(default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = {"-K", "--checkpoint-interval"}, defaultValue = "10",
            description = "A checkpoint every K steps (default: ${DEFAULT-VALUE}).")
    int checkpointInterval;

    @Option(names = {"-k", "--samples-per-problem"}, defaultValue = "16",
            description = "Programs sampled per problem and round, plus one greedy (default: ${DEFAULT-VALUE}).")
    int samplesPerProblem;

    @Option(names = "--batch-problems", defaultValue = "8", description = "Problems per generator round (default: ${DEFAULT-VALUE}).")
    int batchProblems;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature of the RL programs "
            + "(default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--max-new-tokens", defaultValue = "160", description = "Most tokens per program (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--rl-batch", defaultValue = "64", description = "RL sequences per step (default: ${DEFAULT-VALUE}).")
    int rlBatch;

    @Option(names = "--sl-batch", defaultValue = "32", description = "Supervised sequences per step (default: ${DEFAULT-VALUE}).")
    int slBatch;

    @Option(names = "--baseline", defaultValue = "group-mean", description = "The RL baseline b: greedy (the greedy "
            + "program's reward, the released code's), group-mean (the other samples of the problem) or none "
            + "(default: ${DEFAULT-VALUE}).")
    String baseline;

    @Option(names = "--tests-only-weight", defaultValue = "3", description = "The generator samples a problem without "
            + "references this many times for each time it samples one with (default: ${DEFAULT-VALUE}).")
    int testsOnlyWeight;

    @Option(names = "--rl-weight", defaultValue = "1.0", description = "lambda in L = lambda * L_rl + L_sl "
            + "(default: ${DEFAULT-VALUE}).")
    double rlWeight;

    @Option(names = "--negative-scale", defaultValue = "0", description = "reward.negative.scale of the RLTF arm: the "
            + "share of itself a negative part of the advantage counts; 1 is the paper's REINFORCE, 0 trains on the "
            + "programs that beat their baseline only, the setting at which the built-in curriculum's RL stays stable "
            + "(README: what the lab measured; default: ${DEFAULT-VALUE}).")
    double negativeScale;

    @Option(names = "--self-imitation", defaultValue = "0", description = "learner.rl.success.share of the RLTF arm: "
            + "the share of each RL batch drawn from the passing programs found so far on problems without references "
            + "(self-imitation; 0 = off, the paper's method; default: ${DEFAULT-VALUE}).")
    double selfImitation;

    @Option(names = "--rl-draw", defaultValue = "uniform", description = "learner.rl.draw of the RLTF arm: uniform (every "
            + "buffered program, the paper's) or signal (only programs whose advantage is non-zero: with --negative-scale "
            + "0, those that beat their baseline; default: ${DEFAULT-VALUE}).")
    String rlDraw;

    @Option(names = "--graders", defaultValue = "1", description = "Grader instances (default: ${DEFAULT-VALUE}).")
    int graders;

    @Option(names = "--eval-n", defaultValue = "10", description = "Held-out samples per problem for pass@k "
            + "(default: ${DEFAULT-VALUE}).")
    int evalN;

    @Option(names = "--eval-every", defaultValue = "8", description = "Evaluate every N checkpoint versions during "
            + "the online phase, and the last one; the warm-up always, before it (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--compare", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also train the supervised-only arm and compare (default: on; --no-compare skips it).")
    boolean compare;

    @Option(names = "--threads", defaultValue = "2", description = "PyTorch intra-op threads; the warm-up's digest "
            + "depends on it (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--init-from", description = "Start from this checkpoint directory (e.g. an imported model) "
            + "instead of training the supervised warm-up; it is version 0 of both arms.")
    Path initFrom;

    @Option(names = "--run", description = "Run name (default: lab-N, the first not in --runs-dir).")
    String run;

    @Option(names = "--runs-dir", defaultValue = "runs", description = "Where runs live (default: ${DEFAULT-VALUE}).")
    Path runsDir;

    @Option(names = "--data-dir", description = "The embedded broker's data (default: <runs-dir>/<run>/kafka, kept so "
            + "the run can be replayed).")
    Path dataDir;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster instead of an embedded broker.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "The schema registry, with --bootstrap-servers.")
    String schemaRegistryUrl;

    @Option(names = "--metrics-port", defaultValue = "-1", description = "Serve the services' Prometheus metrics on "
            + "this port while the lab runs (0: any free port; default: off).")
    int metricsPort;

    @Option(names = "--verbose", description = "Show the logs in the terminal too.")
    boolean verbose;

    @Option(names = {"-c", "--config"}, description = "Any service setting, key=value (repeatable); each goes to the "
            + "services that read it (e.g. -c reward.fine.enabled=false -c buffer.max.policy.lag=4).")
    Map<String, String> extra = new LinkedHashMap<>();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (bootstrapServers != null && schemaRegistryUrl == null)
            throw new CommandLine.ParameterException(spec.commandLine(), "--schema-registry-url is required with --bootstrap-servers");
        // Before anything touches the model runtime: the thread count is part of what makes a run deterministic.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        String name = run != null ? run : freeRunName();
        Topics.validateRun(name);
        Path runDir = runsDir.resolve(name).toAbsolutePath();
        if (Files.exists(runDir))
            throw new CommandLine.ParameterException(spec.commandLine(), "run directory " + runDir + " exists: pick "
                    + "another --run, or remove it (a lab never mixes its files with an earlier run's)");
        Files.createDirectories(runDir.resolve("logs"));
        RunLogs.toFile(runDir.resolve("logs").resolve("rltf.log"), verbose);
        // The run's epoch: the one wall-clock read of the run, recorded as the time of its first events.
        long epoch = System.currentTimeMillis();
        LabSettings settings = new LabSettings(name, runDir, epoch, seed, problems, trainProblems, testProblems,
                testsOnlyShare, preset, warmupSteps, warmupBatch, warmupLr, steps, minutes, checkpointInterval,
                samplesPerProblem, batchProblems, maxNewTokens, temperature, graders, lr, rlBatch, slBatch, evalN,
                evalEvery, compare, threads, baseline, testsOnlyWeight, rlWeight, negativeScale, selfImitation,
                rlDraw, extra);
        LabConsole console = new LabConsole(System.out);
        console.line("rltf lab: run %s in %s", name, runDir);
        Path broker = dataDir != null ? dataDir.toAbsolutePath() : runDir.resolve("kafka");
        new LabRun(settings, console, runsDir.resolve(".cache").resolve("warmup").toAbsolutePath(), bootstrapServers,
                schemaRegistryUrl, broker).initFrom(initFrom == null ? null : initFrom.toAbsolutePath())
                .metricsPort(metricsPort).run();
        return 0;
    }

    private String freeRunName() throws IOException {
        for (int i = 1; ; i++) if (!Files.exists(runsDir.resolve("lab-" + i))) return "lab-" + i;
    }
}
