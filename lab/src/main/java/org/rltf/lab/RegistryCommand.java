package org.rltf.lab;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rltf registry}: the embedded schema registry alone, storing schemas in {@code _schemas} of an existing
 * Kafka cluster (a deployment whose broker is the apache/kafka image rather than {@code rltf broker}). Its store's
 * clients take the Kafka client settings a service takes ({@link ClientSettings}), so the cluster may require
 * SASL_SSL; {@code --basic-auth-user-info} makes the registry itself require credentials.
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Runs the schema registry (Confluent REST subset) on an existing Kafka cluster until interrupted.")
public final class RegistryCommand implements Callable<Integer> {
    static final ServiceSpec SPEC = ClientSettings.spec("rltf registry", Set.of(), RunConfig.BOOTSTRAP_SERVERS_CONFIG);

    /** The variable of {@code --basic-auth-user-info}: a secret is better kept off the command line, which ps shows. */
    static final String BASIC_AUTH_USER_INFO_ENV = "RLTF_REGISTRY_BASIC_AUTH_USER_INFO";

    @Option(names = "--bootstrap-servers", description = "Kafka cluster that stores the schemas (or RLTF_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8081", description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--basic-auth-user-info", paramLabel = "USER:PASSWORD", defaultValue = "${env:" + BASIC_AUTH_USER_INFO_ENV + "}",
            description = "Require these HTTP Basic credentials of every request (clients: basic.auth.credentials.source"
                    + "=USER_INFO, basic.auth.user.info); default: " + BASIC_AUTH_USER_INFO_ENV + ", else none.")
    String basicAuthUserInfo;

    @Mixin
    ClientSettings settings = new ClientSettings();

    @Override public Integer call() throws Exception {
        Map<String, Object> config = serverConfig();
        SchemaRegistryServer server = SchemaRegistryServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "rltf-registry-shutdown"));
        System.out.println("Schema registry URL: " + server.url() + " (schemas in _schemas on "
                + config.get(SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG) + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** The server's configuration: the listener, the credentials, and the store's client settings under kafkastore. */
    Map<String, Object> serverConfig() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Map<String, Object> clients = settings.resolve(SPEC, options);
        Map<String, Object> server = new LinkedHashMap<>();
        server.put(SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG,
                ClientSettings.required(clients, RunConfig.BOOTSTRAP_SERVERS_CONFIG, "--bootstrap-servers"));
        // The store opens an admin client, a producer and a consumer: the common keys reach all three.
        ClientConfigs.common(clients).forEach((key, value) -> {
            if (!key.equals(RunConfig.BOOTSTRAP_SERVERS_CONFIG)) server.put(SchemaRegistryConfig.KAFKASTORE_PREFIX + key, value);
        });
        server.put(SchemaRegistryConfig.LISTENERS_CONFIG, "http://" + host + ":" + port);
        if (basicAuthUserInfo != null && !basicAuthUserInfo.isEmpty())
            server.put(SchemaRegistryConfig.AUTHENTICATION_BASIC_USER_INFO_CONFIG, basicAuthUserInfo);
        return server;
    }
}
