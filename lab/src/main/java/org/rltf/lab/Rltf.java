package org.rltf.lab;

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
                GeneratorCommand.class,
                LearnerCommand.class,
                SftCommand.class,
                BrokerCommand.class,
                GraderCommand.class,
                GradeCommand.class,
                RegistryCommand.class,
                ImportCommand.class,
        })
public final class Rltf implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        configureOffline();
        CommandLine cli = new CommandLine(new Rltf());
        // A bad config value is the user's to fix: one line naming the key, not a stack trace.
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof org.apache.kafka.common.config.ConfigException) {
                command.getErr().println("rltf " + command.getCommandName() + ": invalid configuration: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
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
