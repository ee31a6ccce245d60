package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.rltf.data.Datasets;
import org.rltf.events.Problem;
import org.rltf.kernel.RunConfig;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.ProblemImport;
import org.rltf.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf import}: the first step of a run on a shared cluster: creates the run's topics and publishes a dataset's
 * problems to its compacted problems topic, where generators and graders find them. {@code rltf lab} does the same
 * in-process.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Create a run's topics on a Kafka cluster and publish a dataset's problems to rltf.<run>.problems.")
public final class ImportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "The run.")
    String run;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers, host:port[,host:port].")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", required = true, description = "The schema registry's URL.")
    String schemaRegistryUrl;

    @Option(names = "--dataset", defaultValue = "mbpp",
            description = "Dataset spec: mbpp, humaneval, apps:DIR, apps-jsonl:FILE (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--split", defaultValue = "train", description = "The split to publish (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--problems", defaultValue = "0",
            description = "How many of the split's problems, in dataset order; 0 = all (default: ${DEFAULT-VALUE}).")
    int problems;

    @Option(names = "--event-time", description = "Event time of the problem records, epoch ms (default: now, read once "
            + "and printed; pass the same value to re-import a run identically).")
    Long eventTime;

    @Override
    public Integer call() throws Exception {
        Topics.validateRun(run);
        long timestamp = eventTime != null ? eventTime : System.currentTimeMillis();
        Map<String, Object> common = new LinkedHashMap<>();
        common.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        common.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        ProblemImport.createTopics(common, run);
        List<Problem> chosen = LabProblems.limit(Datasets.split(Datasets.load(dataset), split), problems);
        if (chosen.isEmpty()) {
            System.err.println("rltf import: dataset " + dataset + " has no problems in split '" + split + "'");
            return 2;
        }
        List<Problem> imported = ProblemImport.publish(common, run, chosen, timestamp);
        System.out.printf("Run %s: published %d %s problems of %s to %s (event time %d)%n", run, imported.size(), split,
                dataset, Topics.forRun(run).problems(), timestamp);
        return 0;
    }
}
