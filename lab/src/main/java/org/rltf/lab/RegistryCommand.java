package org.rltf.lab;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf registry}: the embedded schema registry alone, storing schemas in {@code _schemas} of an existing
 * Kafka cluster (a deployment whose broker is the apache/kafka image rather than {@code rltf broker}).
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Runs the schema registry (Confluent REST subset) on an existing Kafka cluster until interrupted.")
public final class RegistryCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka cluster that stores the schemas.")
    String bootstrapServers;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8081", description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;

    @Override public Integer call() throws Exception {
        SchemaRegistryServer server = SchemaRegistryServer.start(Map.of(
                SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                SchemaRegistryConfig.LISTENERS_CONFIG, "http://" + host + ":" + port));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "rltf-registry-shutdown"));
        System.out.println("Schema registry URL: " + server.url() + " (schemas in _schemas on " + bootstrapServers + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
