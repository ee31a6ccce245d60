package org.rltf.lab;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.rltf.data.DatasetException;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.SandboxUnavailableException;
import org.rltf.grader.offline.OfflineGrade;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rltf grade}: grades a dataset's reference solutions or a samples file in the sandbox, without Kafka. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Grades programs with the sandboxed grader, without Kafka, and prints counts per outcome and per error "
                + "class and how many problems have a passing program.",
                "Samples file (JSON lines, UTF-8): {\"problem_id\": \"humaneval/HumanEval/0\", \"completion\": \"...\"} per "
                        + "line, optional \"sample_id\"; the completion is what follows the problem's code prefix (HumanEval: "
                        + "the body after the prompt; MBPP, APPS: the whole program). Every non-blank line gets one line in "
                        + "--out, in order: a graded program, UNKNOWN_PROBLEM (its problem is not in the dataset) or MALFORMED "
                        + "(not a sample: each such line is reported with its number)."})
public final class GradeCommand implements Callable<Integer> {

    @Option(names = "--dataset", required = true,
            description = "humaneval, humanevalplus, mbpp, mbppplus, apps:DIR or apps-jsonl:FILE (DIR/FILE relative to the "
                    + "data root; apps-jsonl also reads the APPS example-tests file), optionally @split.")
    String dataset;

    @Option(names = "--data-root", description = "Benchmark data root (default: -Drltf.shared.data, $RLTF_DATA, else ../shared/data).")
    Path dataRoot;

    static final class Source {
        @Option(names = "--samples", description = "JSON-lines file of samples to grade.")
        Path samples;

        @Option(names = "--reference", description = "Grade each problem's first reference solution.")
        boolean reference;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", description = "Write one JSON result per program to this JSON-lines file.")
    Path out;

    @Option(names = "--strict", description = "Stop at the first samples line that is not a sample, instead of "
            + "reporting it (MALFORMED) and going on.")
    boolean strict;

    @Option(names = "--parallelism", description = "Programs graded at once (default: available processors).")
    Integer parallelism;

    @Option(names = {"-c", "--config"}, description = "Grader setting KEY=VALUE, repeatable: any grader.* key of "
            + "'rltf grader --help', e.g. grader.test.timeout.ms=2000 (tests of problems without a limit of their own: "
            + "HumanEval, MBPP, APPS) or grader.test.timeout.scale=2 (problems with one: HumanEval+, MBPP+).")
    Map<String, String> config = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, Object> graderConfig = new LinkedHashMap<>(config);
        if (parallelism != null) graderConfig.put(GraderConfig.PARALLELISM_CONFIG, parallelism);
        OfflineGrade.Summary summary;
        try {
            summary = OfflineGrade.run(new OfflineGrade.Options(dataset, dataRoot, source.samples, source.reference, out,
                    graderConfig, strict));
        } catch (DatasetException | IllegalArgumentException | UncheckedIOException | SandboxUnavailableException e) {
            // The user's file, dataset or machine: one sentence naming it, not a stack trace.
            spec.commandLine().getErr().println("rltf grade: " + e.getMessage());
            return 2;
        }
        summary.print(System.out);
        if (out != null) System.out.println("results: " + out.toAbsolutePath());
        return 0;
    }
}
