package org.rltf.lab;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.lab.dashboard.Dashboard;
import org.rltf.schemas.serde.AvroSerdeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rltf dashboard}: serves a run's live charts until interrupted ({@link Dashboard}). Its consumer and
 * deserializer take the Kafka client and registry settings a service takes ({@link ClientSettings}).
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Serve a web page with live charts of a run: held-out pass@1, pass rate and mean reward per policy "
                + "version, outcome and error-class shares, losses, gradient norm and learning rate per step, buffer size "
                + "and policy lag, throughput and grading latency. An independent consumer (a group id of its own) that "
                + "never disturbs the run; it opens a finished run as well. Works offline."})
public final class DashboardCommand implements Callable<Integer> {

    static final ServiceSpec SPEC = ClientSettings.spec("rltf dashboard", Set.of(ClientSettings.Clients.CONSUMER),
            RunConfig.RUN_CONFIG, RunConfig.BOOTSTRAP_SERVERS_CONFIG, RunConfig.SCHEMA_REGISTRY_URL_CONFIG);
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://localhost:8081";

    @Option(names = "--run", description = "The run (or RLTF_RUN).")
    String run;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0: any free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: RLTF_BOOTSTRAP_SERVERS, else "
            + DEFAULT_BOOTSTRAP_SERVERS + ").")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "The schema registry (default: RLTF_SCHEMA_REGISTRY_URL, else "
            + DEFAULT_SCHEMA_REGISTRY_URL + ").")
    String schemaRegistryUrl;

    @Mixin
    ClientSettings settings = new ClientSettings();

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> cluster = config();
        String run = (String) cluster.get(RunConfig.RUN_CONFIG);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Dashboard dashboard = Dashboard.start(cluster, run, host, port)) {
            System.out.printf("Dashboard of run %s: http://%s:%d/ (Ctrl-C stops it)%n", run, host, dashboard.port());
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "rltf-dashboard-shutdown"));
            stopped.await();
        }
        return 0;
    }

    /** The consumer's and the deserializer's configuration, checked: a bad or unknown key fails before either opens. */
    Map<String, Object> config() {
        Map<String, Object> config = settings.resolveRun(SPEC, run, bootstrapServers, schemaRegistryUrl);
        config.putIfAbsent(RunConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS);
        config.putIfAbsent(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, DEFAULT_SCHEMA_REGISTRY_URL);
        config.put(RunConfig.RUN_CONFIG, ClientSettings.required(config, RunConfig.RUN_CONFIG, "--run"));
        new AvroSerdeConfig(config); // the registry's keys
        return config;
    }
}
