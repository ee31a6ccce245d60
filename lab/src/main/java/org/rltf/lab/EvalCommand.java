package org.rltf.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import me.tongfei.progressbar.ProgressBar;
import org.rltf.data.Datasets;
import org.rltf.evaluator.EvalReport;
import org.rltf.evaluator.EvalSettings;
import org.rltf.evaluator.Evaluator;
import org.rltf.events.Problem;
import org.rltf.grader.Grader;
import org.rltf.grader.GraderConfig;
import org.rltf.lab.run.LabConsole;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.LabSummary;
import org.rltf.policy.Policy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf eval}: pass@k of a checkpoint on a dataset's problems (RLTF-METHOD.md section 6), without Kafka: n
 * programs per problem at the paper's temperature and top-p plus a greedy one, graded in the sandbox.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a checkpoint: sample n programs per problem (and one greedy), grade them in the sandbox, "
                + "print pass@k, greedy pass@1 and the outcome and error-class shares, and write the results as JSON lines.")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "The checkpoint directory.")
    Path checkpoint;

    @Option(names = "--dataset", defaultValue = "builtin", description = "builtin, mbpp, humaneval, apps:DIR or "
            + "apps-jsonl:FILE (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--split", defaultValue = "test", description = "The split evaluated; for a dataset without one, "
            + "'test' is the held-out half the lab uses (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--seed", defaultValue = "1", description = "The lab seed that drew the built-in curriculum or the "
            + "held-out half (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tests-only-share", defaultValue = "0.5", description = "As the lab was given (it decides the "
            + "built-in curriculum's splits; default: ${DEFAULT-VALUE}).")
    double testsOnlyShare;

    @Option(names = "--problems", defaultValue = "0", description = "Evaluate on the first N problems (0 = all).")
    int limit;

    @Option(names = "--n", defaultValue = "10", description = "Samples per problem (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--k", defaultValue = "1,5", split = ",", description = "The k of each pass@k (default: ${DEFAULT-VALUE}).")
    List<Integer> ks;

    @Option(names = "--temperature", defaultValue = "0.6", description = "Sampling temperature (paper: 0.6; default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus threshold (paper: 0.95; default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Most tokens per program (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--sample-seed", defaultValue = "1234", description = "Seed of the sampled programs (default: ${DEFAULT-VALUE}).")
    long sampleSeed;

    @Option(names = "--parallelism", defaultValue = "2", description = "Programs graded at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--out", description = "Write every graded program as a JSON line here.")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<Problem> problems = problems();
        if (limit > 0 && problems.size() > limit) problems = problems.subList(0, limit);
        if (problems.isEmpty()) {
            System.err.println("rltf eval: no problems of split '" + split + "' in " + dataset);
            return 2;
        }
        EvalSettings settings = new EvalSettings(n, ks, temperature, topP, maxNewTokens, List.of(), sampleSeed, 64);
        LabConsole console = new LabConsole(System.out);
        EvalReport report;
        try (Policy policy = Policy.load(checkpoint);
             Grader grader = Grader.start(new GraderConfig(Map.of(GraderConfig.ID_CONFIG, "eval",
                     GraderConfig.PARALLELISM_CONFIG, parallelism)));
             ProgressBar bar = console.bar("eval", (long) problems.size() * (n + 1), "programs")) {
            report = new Evaluator(grader).evaluate(policy, problems, dataset, split, settings, bar::stepTo);
        }
        LabSummary.printArms(System.out, List.of(new LabSummary.Arm("eval", checkpoint.getFileName().toString(), -1,
                -1, report.seconds(), report)));
        report.passAtK().forEach((d, byK) -> {
            if (!d.equals(EvalReport.ALL))
                System.out.printf("  difficulty %-14s %s%n", d, byK.entrySet().stream()
                        .map(e -> String.format("pass@%d %.1f%%", e.getKey(), 100 * e.getValue())).toList());
        });
        if (out != null) {
            report.writeJsonLines(out);
            System.out.println("results: " + out.toAbsolutePath());
        }
        return 0;
    }

    private List<Problem> problems() {
        if (split.equals("test") || split.equals("train")) {
            LabProblems lab = LabProblems.resolve(dataset, 0, 0, testsOnlyShare, seed);
            return split.equals("test") ? lab.heldOut() : lab.train();
        }
        return Datasets.split(Datasets.load(dataset), split);
    }
}
