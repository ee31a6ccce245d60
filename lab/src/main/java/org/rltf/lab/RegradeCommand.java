package org.rltf.lab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.kafka.common.config.ConfigException;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.SandboxUnavailableException;
import org.rltf.grader.regrade.Regrade;
import org.rltf.kernel.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf regrade}: grades a recorded run's samples again with the current grader and reports agreement with
 * the recorded feedback ({@link Regrade}). Exit status 0 on full agreement, 1 when some sample disagrees, 2 when
 * the run cannot be regraded.
 */
@Command(name = "regrade", mixinStandardHelpOptions = true,
        description = {"Re-grade a run's samples with the current grader and compare with the recorded feedback "
                + "(outcome, error class, error line, error category), listing every disagreement: the check to run "
                + "before trusting a grader change. The run's own topics are only read."})
public final class RegradeCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "The recorded run.")
    String run;

    @Option(names = "--to-run", description = "Publish the regraded feedback to this run's feedback topic (default: report only).")
    String toRun;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "The schema registry (default: ${DEFAULT-VALUE}).")
    String schemaRegistryUrl;

    @Option(names = "--taxonomy-file", description = "The error taxonomy to grade with (default: the built-in one).")
    Path taxonomy;

    @Option(names = "--parallelism", description = "Programs graded at once (default: the number of cores).")
    Integer parallelism;

    @Option(names = "--show", defaultValue = "50", description = "Most disagreements listed (default: ${DEFAULT-VALUE}).")
    int show;

    @Option(names = {"-c", "--set"}, paramLabel = "KEY=VALUE", description = "Any grader.* setting (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        Map<String, Object> grader = new LinkedHashMap<>(settings);
        if (taxonomy != null) grader.put(GraderConfig.TAXONOMY_FILE_CONFIG, taxonomy.toString());
        if (parallelism != null) grader.put(GraderConfig.PARALLELISM_CONFIG, parallelism);
        for (String key : grader.keySet())
            if (!GraderConfig.CONFIG.names().contains(key))
                throw new ConfigException(key, grader.get(key), "not a grader setting");
        return regrade(cluster, new Regrade.Options(run, toRun, grader), show, System.out, System.err);
    }

    static int regrade(Map<String, Object> cluster, Regrade.Options options, int show, PrintStream out, PrintStream err)
            throws InterruptedException {
        Regrade.Report report;
        try {
            report = new Regrade(cluster, options).run((done, of) -> {
                if (done % 100 == 0 || done.equals(of)) err.printf("\rregraded %d/%d", done, of);
                if (done.equals(of)) err.println();
            });
        } catch (SandboxUnavailableException | IllegalArgumentException | IllegalStateException e) {
            err.println("rltf regrade: " + e.getMessage());
            return 2;
        }
        if (!report.disagreements().isEmpty()) {
            out.printf("%-40s %-24s %s%n", "sample", "problem", "recorded -> regraded");
            report.disagreements().stream().limit(show).forEach(d ->
                    out.printf("%-40s %-24s %s%n", d.sampleId(), d.problemId(), d.changes()));
            if (report.disagreements().size() > show)
                out.printf("... and %d more%n", report.disagreements().size() - show);
        }
        out.println(report.summary());
        return report.disagreements().isEmpty() ? 0 : 1;
    }
}
