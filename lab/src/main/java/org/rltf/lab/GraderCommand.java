package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.Map;

import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ServiceMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf grader}: runs one grader service instance until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "grader", mixinStandardHelpOptions = true,
        description = "Grade a run's samples into feedback, exactly once. Start more instances with the same --group "
                + "(and distinct --instance-id) to scale out.")
public final class GraderCommand implements Runnable {

    @Option(names = "--run", required = true, description = "The run whose samples to grade.")
    String run;

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka brokers, host:port[,host:port].")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", required = true, description = "The schema registry's URL.")
    String schemaRegistryUrl;

    @Option(names = "--parallelism", description = "Programs graded at once (default: the grader's own default).")
    Integer parallelism;

    @Option(names = "--group", description = "Consumer group shared by the run's graders (default: rltf.<run>.grader).")
    String group;

    @Option(names = "--instance-id", description = "This instance's stable name: a restart under the same name fences "
            + "its predecessor and resumes at once (default: <host>-<pid>).")
    String instanceId;

    @Option(names = "--batch-size", description = "Most samples graded per transaction (default: 16).")
    Integer batchSize;

    @Option(names = {"-c", "--config"}, description = "Any other grader or client setting, key=value (repeatable), "
            + "e.g. -c grader.sandbox.error.retries=2 -c consumer.session.timeout.ms=10000. `java -cp rltf.jar "
            + "org.rltf.grader.service.GraderService --help` lists every key.")
    Map<String, String> extra = new LinkedHashMap<>();

    @Override
    public void run() {
        Map<String, Object> config = new LinkedHashMap<>(extra);
        config.put(GraderServiceConfig.RUN_CONFIG, run);
        config.put(GraderServiceConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(GraderServiceConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        if (group != null) config.put(GraderServiceConfig.GROUP_ID_CONFIG, group);
        if (instanceId != null) config.put(GraderServiceConfig.INSTANCE_ID_CONFIG, instanceId);
        if (batchSize != null) config.put(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG, batchSize);
        if (parallelism != null) config.put(GraderConfig.PARALLELISM_CONFIG, parallelism);
        ServiceMain.runUntilShutdown(GraderServiceConfig.SPEC.name(), new GraderService(config));
    }
}
