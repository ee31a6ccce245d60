package org.rltf.lab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.kafka.common.config.ConfigException;
import org.rltf.kernel.RunConfig;
import org.rltf.learner.LearnerReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf replay}: re-runs run R's learner from its recorded log into another run and checks every checkpoint's
 * digest against R's ({@link LearnerReplay}). Exit status 0 when every compared checkpoint has the same weights, 1
 * when one differs, 2 when the run cannot be replayed.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Re-run a run's learner from its log (learner-steps, experience, problems, checkpoint v0) into "
                + "another run, and check each re-created checkpoint's sha256 against the original's.",
                "On the CPU with the recorded thread count every checkpoint is reproduced bit for bit; otherwise it "
                        + "prints the first step whose weights differ and by how much. The original run's topics and "
                        + "files are only read."})
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "The recorded run R.")
    String run;

    @Option(names = "--to-run", description = "The run the replay writes (default: R-replay, or R-replay-N when taken).")
    String toRun;

    @Option(names = "--until-step", defaultValue = "0", description = "Replay steps 1..N only (default: every recorded step).")
    long untilStep;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "The schema registry (default: ${DEFAULT-VALUE}).")
    String schemaRegistryUrl;

    @Option(names = "--checkpoint-dir", description = "Checkpoint store for the replayed run (default: the recorded run's).")
    Path store;

    @Option(names = {"-c", "--set"}, paramLabel = "KEY=VALUE",
            description = "Replay with a changed learner setting, one of learner.lr, learner.warmup.steps, "
                    + "learner.weight.decay, learner.adam.beta1, learner.adam.beta2, learner.adam.eps, learner.grad.clip, "
                    + "learner.micro.batch, learner.sl.max.tokens, runtime.threads (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        return replay(cluster, new LearnerReplay.Options(run, toRun, untilStep, overrides, store), System.out, System.err);
    }

    /** Runs the replay and prints its progress and result; the exit status. */
    static int replay(Map<String, Object> cluster, LearnerReplay.Options options, PrintStream out, PrintStream err) {
        LearnerReplay.Report report;
        try {
            report = new LearnerReplay(cluster, options, new LearnerReplay.Listener() {
                @Override public void onCheckpoint(LearnerReplay.CheckpointMatch m) {
                    out.printf("  v%-3d step %-6d %s%n", m.version(), m.step(), m.reproduced() ? "sha256 " + m.replayedSha256()
                            + " reproduced" : m.sameState() ? "same weights and moments; differs in " + m.differingFiles()
                            : String.format("weights differ: max |diff| %.3e in %s", m.maxAbsWeightDiff(), m.parameter()));
                }
            }).run();
        } catch (ConfigException | IllegalStateException | IllegalArgumentException e) {
            err.println("rltf replay: " + e.getMessage());
            return 2;
        }
        report.notes().forEach(n -> out.println("  note: " + n));
        out.println(report.summary());
        return report.diverged() == null ? 0 : 1;
    }
}
