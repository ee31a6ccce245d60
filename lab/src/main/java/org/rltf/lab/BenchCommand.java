package org.rltf.lab;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rltf bench <what>}: benchmarks that print numbers, each comparing side by side in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: each prints its numbers and the ratio to its baseline, measured in the same run.",
        subcommands = {
                PolicyBenchCommand.class,
                GraderBenchCommand.class,
                PipelineBenchCommand.class,
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }
}
