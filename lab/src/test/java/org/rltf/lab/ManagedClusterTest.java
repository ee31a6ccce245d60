package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rltf.broker.EmbeddedKafka;
import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.events.Problem;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.UnknownConfigException;
import org.rltf.lab.dashboard.Dashboard;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerdeConfig;
import picocli.CommandLine;

/**
 * The tools against a cluster that requires SASL (PLAIN, over SASL_PLAINTEXT: the same client settings as a managed
 * service's SASL_SSL, without a certificate) and a registry that requires HTTP Basic credentials, all given as a
 * container would give them: RLTF_KAFKA_* and RLTF_BASIC_AUTH_* variables. The broker's SASL listener is the only
 * address the tools are given; the test itself reads back over a second, plaintext listener.
 */
class ManagedClusterTest {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required ";
    private static final String REGISTRY_USER_INFO = "rltf:registry-pw";

    private static EmbeddedKafka broker;
    private static String saslServers;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startASaslClusterAndARegistryOnIt() throws Exception {
        int plain = freePort(), controller = freePort(), sasl = freePort();
        broker = EmbeddedKafka.builder().port(plain).controllerPort(controller)
                .config("listeners", "PLAINTEXT://127.0.0.1:" + plain + ",CONTROLLER://127.0.0.1:" + controller
                        + ",SASL_PLAINTEXT://127.0.0.1:" + sasl)
                .config("advertised.listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl)
                .config("listener.security.protocol.map",
                        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT")
                .config("sasl.enabled.mechanisms", "PLAIN")
                .config("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                        JAAS + "user_alice=\"alice-pw\";")
                .start();
        saslServers = "127.0.0.1:" + sasl;

        RegistryCommand command = new RegistryCommand();
        CommandLine cli = new CommandLine(command);
        command.settings.environment = sasl("alice-pw");
        cli.parseArgs("--bootstrap-servers", saslServers, "--host", "127.0.0.1", "--port", "0",
                "--basic-auth-user-info", REGISTRY_USER_INFO);
        Map<String, Object> config = command.serverConfig();
        assertThat(config).containsEntry("kafkastore.security.protocol", "SASL_PLAINTEXT")
                .containsEntry("kafkastore.sasl.mechanism", "PLAIN");
        registry = SchemaRegistryServer.start(config); // reads and writes _schemas over SASL only
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
        if (broker != null) broker.close();
    }

    /** What a managed-kafka.env file gives a container. */
    private static Map<String, String> sasl(String password) {
        Map<String, String> env = new HashMap<>();
        env.put("RLTF_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("RLTF_KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("RLTF_KAFKA_SASL_JAAS_CONFIG", JAAS + "username=\"alice\" password=\"" + password + "\";");
        return env;
    }

    private static Map<String, String> withRegistryCredentials(Map<String, String> env) {
        env.put("RLTF_BASIC_AUTH_CREDENTIALS_SOURCE", "USER_INFO");
        env.put("RLTF_BASIC_AUTH_USER_INFO", REGISTRY_USER_INFO);
        return env;
    }

    private static ImportCommand importCommand(Map<String, String> env, String... extra) {
        ImportCommand command = new ImportCommand();
        CommandLine cli = new CommandLine(command);
        command.settings.environment = env;
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", saslServers,
                "--schema-registry-url", registry.url(), "--dataset", "mbpp", "--split", "train", "--problems", "3"));
        args.addAll(List.of(extra));
        cli.parseArgs(args.toArray(String[]::new));
        return command;
    }

    @Test
    void importCreatesTheTopicsAndPublishesOverSaslWithTheRegistrysCredentials() throws Exception {
        String run = "managed-ok";
        ImportCommand command = importCommand(withRegistryCredentials(sasl("alice-pw")), "--run", run,
                "-c", "producer.linger.ms=5", "-c", "request.timeout.ms=20000");
        assertThat(command.call()).isEqualTo(0);

        // Read back over the plaintext listener, decoding through the registry with its credentials.
        Map<String, Object> serde = new HashMap<>(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url(),
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, REGISTRY_USER_INFO));
        AvroDeserializer<Problem> values = new AvroDeserializer<>(Problem.class);
        values.configure(serde, false);
        List<Problem> problems = new ArrayList<>();
        try (KafkaConsumer<String, Problem> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "readback", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), values)) {
            consumer.subscribe(List.of(Topics.forRun(run).problems()));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, Problem> r : consumer.poll(Duration.ofMillis(200))) problems.add(r.value());
                return problems.size() >= 3;
            });
        }
        assertThat(problems).hasSize(3).allSatisfy(p -> assertThat(p.getRun()).isEqualTo(run));
    }

    @Test
    void aWrongPasswordFailsTheImportWithTheBrokersAuthenticationError() {
        ImportCommand command = importCommand(withRegistryCredentials(sasl("not-alices")), "--run", "managed-bad-pw",
                "-c", "request.timeout.ms=20000");
        assertThatThrownBy(command::call).hasRootCauseInstanceOf(SaslAuthenticationException.class)
                .rootCause().hasMessageContaining("Invalid username or password");
    }

    @Test
    void withoutTheRegistrysCredentialsTheImportFailsNamingTheRegistryAndTheKeys() {
        ImportCommand command = importCommand(sasl("alice-pw"), "--run", "managed-no-registry-auth");
        assertThatThrownBy(command::call).hasStackTraceContaining("Schema registry " + registry.url())
                .hasStackTraceContaining("401 Unauthorized")
                .hasStackTraceContaining(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
    }

    @Test
    void theDashboardsConsumerJoinsItsGroupOverSasl() throws Exception {
        String run = "managed-dashboard";
        assertThat(importCommand(withRegistryCredentials(sasl("alice-pw")), "--run", run).call()).isEqualTo(0);
        DashboardCommand command = new DashboardCommand();
        CommandLine cli = new CommandLine(command);
        command.settings.environment = withRegistryCredentials(sasl("alice-pw"));
        cli.parseArgs("--run", run, "--bootstrap-servers", saslServers, "--schema-registry-url", registry.url(),
                "-c", "consumer.max.poll.records=100");
        Map<String, Object> config = command.config();
        assertThat(ClientConfigs.consumer(config, "c", Map.of())).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("max.poll.records", "100");
        try (Dashboard dashboard = Dashboard.start(config, run, "127.0.0.1", 0);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.listGroups().all().get().stream()
                    .map(GroupListing::groupId).anyMatch(g -> g.startsWith("rltf-dashboard-" + run)));
        }
    }

    @Test
    void anUnknownKeyFailsEachToolAtStartUpNamingIt() {
        ImportCommand imports = importCommand(Map.of(), "--run", "r", "-c", "security.protocoll=SASL_SSL");
        assertThatThrownBy(imports::config).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'security.protocoll'").hasMessageContaining("from the command line")
                .hasMessageContaining("did you mean 'security.protocol'");

        ImportCommand fromEnv = importCommand(Map.of("RLTF_KAFKA_SASL_MECHANISM", "PLAIN",
                "RLTF_KAFKA_SECURITY_PROTOCL", "SASL_SSL"), "--run", "r");
        assertThatThrownBy(fromEnv::config).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'security.protocl'")
                .hasMessageContaining("environment variable RLTF_KAFKA_SECURITY_PROTOCL");

        // The registry opens no producer or consumer of its own settings, the dashboard no producer.
        RegistryCommand registryCommand = new RegistryCommand();
        new CommandLine(registryCommand).parseArgs("--bootstrap-servers", saslServers, "-c", "producer.linger.ms=5");
        registryCommand.settings.environment = Map.of();
        assertThatThrownBy(registryCommand::serverConfig).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'producer.linger.ms'");

        DashboardCommand dashboard = new DashboardCommand();
        new CommandLine(dashboard).parseArgs("--run", "r", "-c", "producer.linger.ms=5");
        dashboard.settings.environment = Map.of();
        assertThatThrownBy(dashboard::config).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'producer.linger.ms'");
    }

    @Test
    void theToolsTakeTheClusterFromTheEnvironmentAsTheServicesDo() {
        ImportCommand command = new ImportCommand();
        new CommandLine(command).parseArgs("--dataset", "mbpp");
        command.settings.environment = Map.of("RLTF_RUN", "from-env", "RLTF_BOOTSTRAP_SERVERS", saslServers,
                "RLTF_SCHEMA_REGISTRY_URL", registry.url(), "RLTF_DATA", "/elsewhere");
        assertThat(command.config()).containsEntry("run", "from-env").containsEntry("bootstrap.servers", saslServers);

        ImportCommand missing = new ImportCommand();
        new CommandLine(missing).parseArgs("--run", "r", "--schema-registry-url", registry.url());
        missing.settings.environment = Map.of();
        assertThatThrownBy(missing::config).hasMessageContaining("bootstrap.servers")
                .hasMessageContaining("--bootstrap-servers").hasMessageContaining("RLTF_BOOTSTRAP_SERVERS");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
