package org.rltf.lab;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.rltf.generator.GeneratorConfig;
import org.rltf.generator.GeneratorService;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.ServiceMain;
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
            + "e.g. -c generator.top.p=0.9 -c generator.rate.limit.samples.per.step=16 -c security.protocol=SASL_SSL. "
            + "`java -cp rltf.jar org.rltf.generator.GeneratorService --help` lists every key.")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(names = "--config-file", description = "A properties file of settings; the command line and environment "
            + "variables (RLTF_GENERATOR_..., RLTF_KAFKA_...) take precedence over it.")
    Path configFile;

    @Override
    public void run() {
        Map<String, String> cli = new LinkedHashMap<>(extra);
        cli.put(GeneratorConfig.RUN_CONFIG, run);
        cli.put(GeneratorConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cli.put(GeneratorConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        if (generatorId != null) cli.put(GeneratorConfig.GENERATOR_ID_CONFIG, generatorId);
        if (checkpointDir != null) cli.put(GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG, checkpointDir);
        if (samplesPerProblem != null) cli.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, samplesPerProblem.toString());
        if (temperature != null) cli.put(GeneratorConfig.TEMPERATURE_CONFIG, temperature.toString());
        if (maxNewTokens != null) cli.put(GeneratorConfig.MAX_NEW_TOKENS_CONFIG, maxNewTokens.toString());
        if (seed != null) cli.put(GeneratorConfig.SEED_CONFIG, seed.toString());
        Map<String, Object> config = ConfigContract.resolve(GeneratorConfig.SPEC, cli, configFile, System.getenv());
        ServiceMain.runUntilShutdown(GeneratorConfig.SPEC.name(), new GeneratorService(config));
    }
}
