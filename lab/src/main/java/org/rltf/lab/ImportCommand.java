package org.rltf.lab;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import org.rltf.data.Datasets;
import org.rltf.events.Problem;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.ProblemImport;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rltf import}: the first step of a run on a shared cluster: creates the run's topics and publishes a dataset's
 * problems to its compacted problems topic, where generators and graders find them. {@code rltf lab} does the same
 * in-process. Its admin client and producer take the Kafka client settings a service takes ({@link ClientSettings}), so
 * it reaches a cluster that requires SASL_SSL, and the serializer the registry's credentials.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Create a run's topics on a Kafka cluster and publish a dataset's problems to rltf.<run>.problems.")
public final class ImportCommand implements Callable<Integer> {
    static final ServiceSpec SPEC = ClientSettings.spec("rltf import", Set.of(ClientSettings.Clients.PRODUCER), RunConfig.RUN_CONFIG,
            RunConfig.BOOTSTRAP_SERVERS_CONFIG, RunConfig.SCHEMA_REGISTRY_URL_CONFIG);

    @Option(names = "--run", description = "The run (or RLTF_RUN).")
    String run;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers, host:port[,host:port] (or RLTF_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "The schema registry's URL (or RLTF_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    @Mixin
    ClientSettings settings = new ClientSettings();

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
        Map<String, Object> common = config();
        String run = (String) common.get(RunConfig.RUN_CONFIG);
        long timestamp = eventTime != null ? eventTime : System.currentTimeMillis();
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

    /** The checked configuration of every client this opens; a bad or unknown key fails before any is opened. */
    Map<String, Object> config() {
        Map<String, Object> config = settings.resolveRun(SPEC, run, bootstrapServers, schemaRegistryUrl);
        config.put(RunConfig.RUN_CONFIG, ClientSettings.required(config, RunConfig.RUN_CONFIG, "--run"));
        Topics.validateRun((String) config.get(RunConfig.RUN_CONFIG));
        config.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG,
                ClientSettings.required(config, RunConfig.BOOTSTRAP_SERVERS_CONFIG, "--bootstrap-servers"));
        config.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG,
                ClientSettings.required(config, RunConfig.SCHEMA_REGISTRY_URL_CONFIG, "--schema-registry-url"));
        new AvroSerdeConfig(config); // the registry's keys, checked before anything is created
        return config;
    }
}
