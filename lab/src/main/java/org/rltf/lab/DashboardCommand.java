package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.rltf.kernel.RunConfig;
import org.rltf.lab.dashboard.Dashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf dashboard}: serves a run's live charts until interrupted ({@link Dashboard}). */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Serve a web page with live charts of a run: held-out pass@1, pass rate and mean reward per policy "
                + "version, outcome and error-class shares, losses, gradient norm and learning rate per step, buffer size "
                + "and policy lag, throughput and grading latency. An independent consumer (a group id of its own) that "
                + "never disturbs the run; it opens a finished run as well. Works offline."})
public final class DashboardCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "The run.")
    String run;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0: any free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka brokers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", defaultValue = "http://localhost:8081", description = "The schema registry (default: ${DEFAULT-VALUE}).")
    String schemaRegistryUrl;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        cluster.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Dashboard dashboard = Dashboard.start(cluster, run, host, port)) {
            System.out.printf("Dashboard of run %s: http://%s:%d/ (Ctrl-C stops it)%n", run, host, dashboard.port());
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "rltf-dashboard-shutdown"));
            stopped.await();
        }
        return 0;
    }
}
