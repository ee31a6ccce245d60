package org.rltf.lab;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rltf} command. Each service and tool is a subcommand. */
@Command(name = "rltf", mixinStandardHelpOptions = true, version = "rltf 0.1.0",
        description = "Reinforcement learning from unit-test feedback, on Apache Kafka.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Rltf implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Rltf()).execute(args));
    }
}
