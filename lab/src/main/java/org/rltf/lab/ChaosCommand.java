package org.rltf.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.rltf.lab.chaos.ChaosPlan;
import org.rltf.lab.chaos.ChaosReport;
import org.rltf.lab.chaos.ChaosRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf chaos}: a fault-injection run anyone can repeat. The broker, the registry and each service run as
 * separate processes on loopback; on a schedule drawn from the seed the run SIGKILLs and restarts a grader, the
 * learner, the generator and the broker, SIGTERMs the broker and stops the registry for a while; then it reads every
 * topic with read_committed and prints what it found. Exit status 1 on any loss, duplicate, gap, bad digest or
 * service that did not recover by itself.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Fault injection: runs broker, registry and services as processes, kills and restarts them on a "
                + "seeded schedule, then audits every topic (exit status 1 on any loss or duplicate).")
public final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "8",
            description = "How long faults are injected (default ${DEFAULT-VALUE}); start-up, drain and audit add about "
                    + "3 minutes.")
    double minutes;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the schedule and of the run (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", defaultValue = "runs/chaos",
            description = "The run's directory: broker data, checkpoints, logs, the processes' temp files; emptied at "
                    + "the start (default ${DEFAULT-VALUE}).")
    Path dir;

    @Override public Integer call() throws Exception {
        ChaosPlan plan = ChaosPlan.seeded(dir, minutes, seed);
        ChaosReport report = ChaosRun.run(plan, System.out, true);
        report.print(System.out);
        return report.failures().isEmpty() ? 0 : 1;
    }
}
