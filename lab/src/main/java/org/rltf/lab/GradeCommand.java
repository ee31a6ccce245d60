package org.rltf.lab;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.rltf.grader.GraderConfig;
import org.rltf.grader.offline.OfflineGrade;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf grade}: grades a dataset's reference solutions or a samples file in the sandbox, without Kafka. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Grades programs with the sandboxed grader, without Kafka, and prints counts per outcome and per error "
                + "class and how many problems have a passing program.",
                "Samples file (JSON lines): {\"problem_id\": \"humaneval/HumanEval/0\", \"completion\": \"...\"} per line, "
                        + "optional \"sample_id\"; the completion is what follows the problem's code prefix (HumanEval: the body "
                        + "after the prompt; MBPP, APPS: the whole program)."})
public final class GradeCommand implements Callable<Integer> {

    @Option(names = "--dataset", required = true,
            description = "humaneval, mbpp, apps:DIR or apps-jsonl:FILE (DIR/FILE relative to the data root), optionally @split.")
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

    @Option(names = "--parallelism", description = "Programs graded at once (default: available processors).")
    Integer parallelism;

    @Option(names = {"-c", "--config"}, description = "Grader setting KEY=VALUE (grader.* keys, e.g. grader.test.timeout.ms=2000); repeatable.")
    Map<String, String> config = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Map<String, Object> graderConfig = new LinkedHashMap<>(config);
        if (parallelism != null) graderConfig.put(GraderConfig.PARALLELISM_CONFIG, parallelism);
        OfflineGrade.Summary summary = OfflineGrade.run(new OfflineGrade.Options(dataset, dataRoot, source.samples,
                source.reference, out, graderConfig));
        summary.print(System.out);
        if (out != null) System.out.println("results: " + out.toAbsolutePath());
        return 0;
    }
}
