package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.Map;

import org.rltf.generator.GeneratorConfig;
import org.rltf.generator.GeneratorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf generator}: runs one generator service until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "generator", mixinStandardHelpOptions = true,
        description = "Sample programs for a run's training problems with its newest checkpoint, k per problem plus "
                + "one greedy, switching to each new checkpoint; rate-limited against the learner.")
public final class GeneratorCommand implements Runnable {

    @Option(names = "--run", required = true, description = "The run to generate for.")
    String run;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers, host:port[,host:port].")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", required = true, description = "The schema registry's URL.")
    String schemaRegistryUrl;

    @Option(names = "--generator-id", description = "This generator's stable name, unique in the run (default: gen-<pid>).")
    String generatorId;

    @Option(names = "--checkpoint-dir", description = "The checkpoint store as this machine sees it; checkpoints outside "
            + "it are refused (default: any file: URI).")
    String checkpointDir;

    @Option(names = {"-k", "--samples-per-problem"}, description = "Programs sampled per problem and round, besides the "
            + "greedy one (default: 4; paper: 20).")
    Integer samplesPerProblem;

    @Option(names = "--temperature", description = "Sampling temperature (default: 1.0).")
    Double temperature;

    @Option(names = "--max-new-tokens", description = "Most tokens per program (default: 128).")
    Integer maxNewTokens;

    @Option(names = "--seed", description = "Run seed (default: 42).")
    Long seed;

    @Option(names = {"-c", "--config"}, description = "Any other generator or client setting, key=value (repeatable), "
            + "e.g. -c top.p=0.9 -c rate.limit.samples.per.step=16. `java -cp rltf.jar "
            + "org.rltf.generator.GeneratorService --help` lists every key.")
    Map<String, String> extra = new LinkedHashMap<>();

    @Override
    public void run() {
        Map<String, Object> config = new LinkedHashMap<>(extra);
        config.put(GeneratorConfig.RUN_CONFIG, run);
        config.put(GeneratorConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(GeneratorConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        if (generatorId != null) config.put(GeneratorConfig.GENERATOR_ID_CONFIG, generatorId);
        if (checkpointDir != null) config.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, checkpointDir);
        if (samplesPerProblem != null) config.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, samplesPerProblem);
        if (temperature != null) config.put(GeneratorConfig.TEMPERATURE_CONFIG, temperature);
        if (maxNewTokens != null) config.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, maxNewTokens);
        if (seed != null) config.put(GeneratorConfig.SEED_CONFIG, seed);
        GeneratorService.runUntilShutdown(config);
    }
}
