package org.rltf.lab;

import java.util.Map;

import org.rltf.evaluator.EvaluatorConfig;
import org.rltf.evaluator.EvaluatorService;
import org.rltf.generator.GeneratorConfig;
import org.rltf.generator.GeneratorService;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ClusterUnavailableException;
import org.rltf.learner.LearnerConfig;
import org.rltf.learner.LearnerService;
import org.rltf.policy.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code rltf} command. Each service and tool is a subcommand; every subcommand has --help.
 *
 * <p>DJL is told to stay offline before anything can touch its engine: the model runtime must never
 * download, and the tokenizers jar registers a second engine that must not become the default.
 */
@Command(name = "rltf", mixinStandardHelpOptions = true, version = "rltf 0.1.0",
        description = "Reinforcement learning from unit-test feedback, on Apache Kafka.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                LabCommand.class,
                EvalCommand.class,
                SftCommand.class,
                BrokerCommand.class,
                GradeCommand.class,
                RegistryCommand.class,
                ImportCommand.class,
                ChaosCommand.class,
                ModelCommand.class,
                ReplayCommand.class,
                RegradeCommand.class,
                TailCommand.class,
                DashboardCommand.class,
        })
public final class Rltf implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        configureOffline();
        System.exit(commandLine().execute(args));
    }

    /** The command line with every subcommand, the services' generated from their config specs. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Rltf());
        // A bad config value or a directory that is not a checkpoint is the user's to fix: one line naming it, not a
        // stack trace.
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof org.apache.kafka.common.config.ConfigException) {
                command.getErr().println("rltf " + command.getCommandName() + ": invalid configuration: " + e.getMessage());
                return 2;
            }
            if (e instanceof ClusterUnavailableException || e instanceof CheckpointException) { // they name what and where
                command.getErr().println("rltf " + command.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        cli.addSubcommand("grader", ServiceCommand.create("grader", GraderServiceConfig.SPEC, Map.of(
                "--group", GraderServiceConfig.GROUP_ID_CONFIG,
                "--batch-size", GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG,
                "--parallelism", GraderConfig.PARALLELISM_CONFIG), GraderService::new));
        cli.addSubcommand("generator", ServiceCommand.create("generator", GeneratorConfig.SPEC, Map.of(
                "--checkpoint-dir", GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG,
                "-k", GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG), GeneratorService::new));
        cli.addSubcommand("learner", ServiceCommand.create("learner", LearnerConfig.SPEC, Map.of(
                "--checkpoint-dir", LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG,
                "-K", LearnerConfig.CHECKPOINT_INTERVAL_CONFIG,
                "--preset", LearnerConfig.MODEL_PRESET_CONFIG), LearnerService::new));
        cli.addSubcommand("evaluator", ServiceCommand.create("evaluator", EvaluatorConfig.SPEC, Map.of(
                "--checkpoint-dir", EvaluatorConfig.CHECKPOINT_STORE_DIR_CONFIG), EvaluatorService::new));
        return cli;
    }

    static void configureOffline() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
