package org.rltf.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.rltf.grader.bench.GraderBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf bench grader}: the warm sandboxed grader against a fresh interpreter per program, same run. */
@Command(name = "grader", mixinStandardHelpOptions = true,
        description = "Grades HumanEval's reference solutions with the warm sandboxed grader and, in the same run, with a "
                + "fresh python process per program (the naive harness, unsandboxed); prints programs/s, p50/p95 latency "
                + "and the ratios.")
public final class GraderBenchCommand implements Callable<Integer> {

    @Option(names = "--data-root", description = "Benchmark data root (default: -Drltf.shared.data, $RLTF_DATA, else ../shared/data).")
    Path dataRoot;

    @Option(names = "--parallelism", description = "Programs at once, for both harnesses (default: available processors).")
    Integer parallelism;

    @Option(names = "--rounds", defaultValue = "5", description = "Passes over HumanEval for the warm grader (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--baseline-rounds", defaultValue = "1", description = "Passes over HumanEval for the fresh-interpreter harness (default: ${DEFAULT-VALUE}).")
    int baselineRounds;

    @Option(names = "--baseline-python", description = "Interpreter command for the fresh-interpreter harness (default: the "
            + "grader's resolved python executable; e.g. 'python3' to include a PATH launcher such as pyenv's shim).")
    String baselinePython;

    @Override
    public Integer call() {
        int threads = parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors();
        GraderBench.Report report = GraderBench.run(new GraderBench.Options(dataRoot, threads, rounds, baselineRounds,
                baselinePython), System.out);
        report.print(System.out);
        return 0;
    }
}
