package org.rltf.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rltf.data.Datasets;
import org.rltf.evaluator.EvaluatorConfig;
import org.rltf.generator.GeneratorConfig;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import org.rltf.kernel.TopicLayoutConfig;
import org.rltf.learner.LearnerConfig;

/**
 * docker/compose.yml, checked without a Docker engine (there is none on the development or CI machines): the
 * services it must have, three brokers that form one quorum, the start-up order, health checks, restart policies and
 * limits, and above all that every RLTF_ variable a container gets is a key of the service it runs, read through the
 * services' own {@link ConfigContract}, whose environment reading skips a variable it does not know without a word.
 *
 * <p>Compose's variables ({@code ${RLTF_RUN:-demo}}) are replaced by their defaults, as {@code docker compose up}
 * in a clean shell does.
 */
class DockerComposeTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent(); // surefire runs in lab/
    private static JsonNode COMPOSE;
    private static JsonNode SERVICES;

    /** The keys each rltf service reads, by the rltf subcommand that runs it. */
    private static final Map<String, ServiceSpec> SPECS = Map.of(
            "grader", GraderServiceConfig.SPEC,
            "generator", GeneratorConfig.SPEC,
            "learner", LearnerConfig.SPEC,
            "evaluator", EvaluatorConfig.SPEC);

    /**
     * The keys the plain commands read from the environment (Kafka client and registry settings, and the run keys
     * their options also set), by subcommand ({@link ClientSettings}).
     */
    private static final Map<String, ServiceSpec> PLAIN_SPECS = Map.of(
            "import", ImportCommand.SPEC,
            "registry", RegistryCommand.SPEC,
            "dashboard", DashboardCommand.SPEC);

    /** The RLTF_ variables that the plain commands read besides those of their keys. */
    private static final Map<String, Set<String>> READ_BY_PLAIN_COMMANDS = Map.of(
            "import", Set.of(Datasets.DATA_ROOT_ENV),
            "registry", Set.of(RegistryCommand.BASIC_AUTH_USER_INFO_ENV),
            "dashboard", Set.of());

    private static final Set<String> IMPORTS = Set.of("import", "import-test");
    private static final Set<String> MODEL_SERVICES = Set.of("generator", "learner", "evaluator");

    @BeforeAll
    static void readTheComposeFile() {
        COMPOSE = load(REPO.resolve("docker/compose.yml"));
        SERVICES = COMPOSE.path("services");
    }

    @Test
    void hasEveryPartOfARunEachWithItsImage() {
        assertThat(names(SERVICES)).containsExactlyInAnyOrder("kafka-1", "kafka-2", "kafka-3", "registry", "import",
                "import-test", "grader", "generator", "learner", "evaluator", "dashboard");
        for (String name : names(SERVICES)) {
            JsonNode service = SERVICES.get(name);
            assertThat(service.path("image").asText()).as("%s: image", name).isNotBlank();
            if (isRltf(name)) {
                // The context is the repository root, where .dockerignore keeps it down to the jar.
                assertThat(service.at("/build/context").asText()).as("%s: build context", name).isEqualTo("..");
                assertThat(REPO.resolve(service.at("/build/dockerfile").asText())).as("%s: Dockerfile", name)
                        .isRegularFile();
            }
        }
        // The brokers run the Kafka the services' clients are built against.
        for (String broker : brokers())
            assertThat(SERVICES.get(broker).path("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    }

    @Test
    void threeCombinedNodesAreTheThreeVotersOfOneQuorum() {
        List<String> brokers = brokers();
        assertThat(brokers).hasSize(3);
        Map<Integer, String> byNodeId = new TreeMap<>();
        Set<String> voters = new TreeSet<>();
        Set<String> clusterIds = new TreeSet<>();
        for (String broker : brokers) {
            Map<String, String> env = environment(broker);
            assertThat(env.get("KAFKA_PROCESS_ROLES")).as(broker).isEqualTo("broker,controller");
            assertThat(SERVICES.get(broker).path("hostname").asText()).as("%s: hostname", broker).isEqualTo(broker);
            byNodeId.put(Integer.parseInt(env.get("KAFKA_NODE_ID")), broker);
            voters.add(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
            clusterIds.add(env.get("CLUSTER_ID"));
        }
        assertThat(byNodeId).as("distinct node ids").hasSize(3);
        assertThat(clusterIds).as("one cluster id").hasSize(1);
        assertThat(voters).as("the same voters everywhere").hasSize(1);
        Map<Integer, String> expected = new TreeMap<>();
        byNodeId.forEach((id, broker) -> expected.put(id, broker + ":" + listenerPort(broker, "CONTROLLER")));
        Map<Integer, String> actual = new TreeMap<>();
        for (String voter : voters.iterator().next().split(",")) {
            String[] idAndAddress = voter.trim().split("@");
            actual.put(Integer.parseInt(idAndAddress[0]), idAndAddress[1]);
        }
        assertThat(actual).as("voters: node id -> its controller listener").isEqualTo(expected);
    }

    @Test
    void internalAndCreatedTopicsAreReplicatedThreeTimesWithTwoInSync() {
        Map<String, String> required = Map.of(
                "KAFKA_DEFAULT_REPLICATION_FACTOR", "3",
                "KAFKA_MIN_INSYNC_REPLICAS", "2",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "3",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "2");
        for (String broker : brokers()) assertThat(environment(broker)).as(broker).containsAllEntriesOf(required);
        // The run's topics take the broker's default only while the layout asks for no factor of its own.
        String layoutFactor = ConfigContract.envName(TopicLayoutConfig.REPLICATION_FACTOR_CONFIG);
        for (String name : rltfServices()) assertThat(environment(name)).as(name).doesNotContainKey(layoutFactor);
    }

    @Test
    void containersUseTheInternalListenerAndTheHostItsOwnPortPerBroker() {
        Set<String> internal = new TreeSet<>();
        Set<String> hostPorts = new TreeSet<>();
        for (String broker : brokers()) {
            Map<String, String> advertised = listeners(environment(broker).get("KAFKA_ADVERTISED_LISTENERS"));
            assertThat(advertised).as(broker).containsOnlyKeys("INTERNAL", "EXTERNAL");
            assertThat(advertised.get("INTERNAL")).isEqualTo(broker + ":" + listenerPort(broker, "INTERNAL"));
            assertThat(environment(broker).get("KAFKA_INTER_BROKER_LISTENER_NAME")).isEqualTo("INTERNAL");
            internal.add(advertised.get("INTERNAL"));
            // The address a host client is sent back to must be the port published for this broker.
            String external = advertised.get("EXTERNAL");
            int externalPort = Integer.parseInt(external.substring(external.lastIndexOf(':') + 1));
            assertThat(externalPort).isEqualTo(listenerPort(broker, "EXTERNAL"));
            List<String> ports = texts(SERVICES.get(broker).path("ports"));
            assertThat(ports).as("%s: ports", broker).hasSize(1);
            String[] parts = ports.get(0).split(":");
            assertThat(Integer.parseInt(parts[parts.length - 2])).as("%s: host port", broker).isEqualTo(externalPort);
            assertThat(Integer.parseInt(parts[parts.length - 1])).as("%s: container port", broker).isEqualTo(externalPort);
            hostPorts.add(parts[parts.length - 2]);
        }
        assertThat(hostPorts).containsExactlyInAnyOrder("19092", "29092", "39092");
        for (String name : rltfServices()) {
            String servers = SPECS.containsKey(subcommand(name))
                    ? environment(name).get(ConfigContract.envName(RunConfig.BOOTSTRAP_SERVERS_CONFIG))
                    : option(name, "--bootstrap-servers");
            assertThat(new TreeSet<>(Arrays.asList(servers.split(",")))).as("%s: bootstrap servers", name)
                    .isEqualTo(internal);
        }
    }

    @Test
    void brokersRegistryAndLongRunningServicesHaveHealthChecks() {
        for (String broker : brokers())
            assertThat(healthCheck(broker)).as(broker).contains("kafka-broker-api-versions.sh");
        assertThat(healthCheck("registry")).contains("http://localhost:" + option("registry", "--port") + "/subjects");
        assertThat(healthCheck("dashboard")).contains("http://localhost:" + option("dashboard", "--port") + "/");
        for (String name : rltfServices()) {
            if (!SPECS.containsKey(subcommand(name))) continue;
            String port = environment(name).get(ConfigContract.envName(RunConfig.METRICS_PORT_CONFIG));
            assertThat(port).as("%s: serves metrics", name).isNotNull();
            assertThat(healthCheck(name)).as(name).contains("http://localhost:" + port + "/metrics");
        }
    }

    @Test
    void servicesStartAfterHealthyBrokersAndRegistryAndASuccessfulImport() {
        for (String name : names(SERVICES)) {
            JsonNode dependsOn = SERVICES.get(name).path("depends_on");
            if (brokers().contains(name)) {
                assertThat(dependsOn.isMissingNode()).as("%s depends on nothing", name).isTrue();
                continue;
            }
            // The list form only orders container starts; it does not wait for anything.
            assertThat(dependsOn.isObject()).as("%s: depends_on with conditions", name).isTrue();
            Map<String, String> conditions = new TreeMap<>();
            for (String dependency : names(dependsOn)) {
                assertThat(SERVICES.has(dependency)).as("%s depends on %s", name, dependency).isTrue();
                conditions.put(dependency, dependsOn.get(dependency).path("condition").asText());
            }
            for (String broker : brokers()) assertThat(conditions).as(name).containsEntry(broker, "service_healthy");
            if (!name.equals("registry")) assertThat(conditions).as(name).containsEntry("registry", "service_healthy");
            if (!name.equals("registry") && !IMPORTS.contains(name))
                assertThat(conditions).as(name).containsEntry("import", "service_completed_successfully");
            conditions.forEach((dependency, condition) -> {
                if (condition.equals("service_healthy"))
                    assertThat(SERVICES.get(dependency).has("healthcheck")).as("%s has a health check", dependency).isTrue();
                if (condition.equals("service_completed_successfully"))
                    assertThat(IMPORTS).as("%s runs to completion", dependency).contains(dependency);
            });
        }
        // The evaluator scores the held-out split, which the second import publishes.
        assertThat(SERVICES.at("/evaluator/depends_on/import-test/condition").asText())
                .isEqualTo("service_completed_successfully");
    }

    @Test
    void everyServiceHasARestartPolicyAndTheImportsRunOnce() {
        for (String name : names(SERVICES)) {
            String restart = SERVICES.get(name).path("restart").asText();
            if (IMPORTS.contains(name)) assertThat(restart).as(name).isEqualTo("no");
            else assertThat(restart).as(name).isIn("unless-stopped", "always", "on-failure");
        }
    }

    @Test
    void everyServiceHasCpuAndMemoryLimitsAndLibtorchUsesNoMoreThreads() {
        for (String name : names(SERVICES)) {
            JsonNode limits = SERVICES.get(name).at("/deploy/resources/limits");
            assertThat(Double.parseDouble(limits.path("cpus").asText("0"))).as("%s: cpus", name).isPositive();
            assertThat(limits.path("memory").asText()).as("%s: memory", name).matches("\\d+[kmg]?b?");
            String options = environment(name).getOrDefault("JAVA_TOOL_OPTIONS", "");
            Matcher threads = Pattern.compile("-Dai\\.djl\\.pytorch\\.num_threads=(\\d+)").matcher(options);
            if (MODEL_SERVICES.contains(subcommand(name))) assertThat(threads.find()).as("%s: libtorch threads", name).isTrue();
            else continue;
            // libtorch would size its pool by the host's cores, all of them throttled to the container's share.
            assertThat(Integer.parseInt(threads.group(1))).as(name)
                    .isLessThanOrEqualTo((int) Math.ceil(Double.parseDouble(limits.path("cpus").asText())));
        }
    }

    @Test
    void gradersScaleByReplicasAndSandboxedServicesKeepTheirPrivileges() {
        assertThat(Integer.parseInt(SERVICES.at("/grader/deploy/replicas").asText())).isPositive();
        for (String name : List.of("grader", "evaluator")) {
            JsonNode service = SERVICES.get(name);
            assertThat(texts(service.path("security_opt"))).as(name)
                    .contains("seccomp=unconfined", "apparmor=unconfined");
            assertThat(texts(service.path("cap_add"))).as(name).contains("SYS_ADMIN");
        }
        assertThat(SERVICES.at("/learner/deploy/replicas").isMissingNode()).as("one learner per run").isTrue();
    }

    @Test
    void learnerGeneratorAndEvaluatorShareOneCheckpointStoreAtOnePath() {
        Map<String, String> stores = new LinkedHashMap<>();
        stores.put("learner", LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG);
        stores.put("generator", GeneratorConfig.CHECKPOINT_STORE_DIR_CONFIG);
        stores.put("evaluator", EvaluatorConfig.CHECKPOINT_STORE_DIR_CONFIG);
        Set<String> paths = new TreeSet<>();
        stores.forEach((name, key) -> {
            String dir = environment(name).get(ConfigContract.envName(key));
            assertThat(dir).as("%s: %s", name, key).isNotBlank();
            // Checkpoint events carry file: URIs, so every reader must see the store where the learner wrote it.
            String[] mount = volumeMount(name, "checkpoints");
            assertThat(mount[1]).as("%s mounts the store at %s", name, key).isEqualTo(dir);
            if (name.equals("learner")) assertThat(mount).as("the learner writes the store").hasSize(2);
            paths.add(dir);
        });
        assertThat(paths).hasSize(1);
        assertThat(COMPOSE.path("volumes").has("checkpoints")).isTrue();
        // The buffer's RocksDB state stays off the (possibly network) checkpoint volume.
        String state = environment("learner").get(ConfigContract.envName(LearnerConfig.BUFFER_STATE_DIR_CONFIG));
        String[] stateMount = volumeMount("learner", "learner-state");
        assertThat(state).startsWith(stateMount[1] + "/");
    }

    /**
     * The heart of it: each RLTF_ variable of a service container names a key of that service (its ConfigContract
     * maps it, and not as a deprecated name), the values pass the service's validators, and the required keys are all
     * there. A plain command gets only the variables it reads itself.
     */
    @Test
    void everyRltfVariableIsAKeyOfTheServiceThatReadsIt() {
        int checked = 0;
        for (String name : rltfServices()) {
            String command = subcommand(name);
            Map<String, String> rltf = new TreeMap<>();
            environment(name).forEach((k, v) -> {
                if (k.startsWith(ConfigContract.ENV_PREFIX)) rltf.put(k, v);
            });
            ServiceSpec spec = SPECS.get(command);
            if (spec == null) {
                assertThat(PLAIN_SPECS).as("%s runs a known command", name).containsKey(command);
                for (Map.Entry<String, String> variable : rltf.entrySet()) {
                    if (READ_BY_PLAIN_COMMANDS.get(command).contains(variable.getKey())) continue;
                    assertThat(ConfigContract.fromEnvironment(PLAIN_SPECS.get(command), Map.of(variable.getKey(),
                            variable.getValue()))).as("%s: %s names no key `rltf %s` reads", name, variable.getKey(),
                            command).hasSize(1);
                }
                continue;
            }
            Map<String, Object> config = new TreeMap<>();
            for (Map.Entry<String, String> variable : rltf.entrySet()) {
                Map<String, String> mapped = ConfigContract.fromEnvironment(spec, Map.of(variable.getKey(), variable.getValue()));
                assertThat(mapped).as("%s: %s names no key of the %s", name, variable.getKey(), spec.name()).hasSize(1);
                String key = mapped.keySet().iterator().next();
                assertThat(spec.renamed()).as("%s: %s names the deprecated key %s", name, variable.getKey(), key)
                        .doesNotContainKey(key);
                config.putAll(mapped);
                checked++;
            }
            Map<String, Object> resolved = ConfigContract.resolve(spec, Map.of(), null, rltf);
            assertThat(resolved).isEqualTo(config);
            assertThatCode(() -> spec.config().parse(resolved)).as("%s: its configuration", name).doesNotThrowAnyException();
            // Configuration only through the environment: the command names the service and nothing else.
            assertThat(command(name)).as("%s: command", name).containsExactly(command);
        }
        assertThat(checked).as("RLTF_ variables checked").isGreaterThan(20);
    }

    @Test
    void theCommandsOfThePlainToolsParseAndAgreeWithTheServicesOnRunClusterAndRegistry() {
        Map<String, Set<String>> values = new TreeMap<>();
        for (String name : rltfServices()) {
            List<String> args = command(name);
            assertThatCode(() -> Rltf.commandLine().parseArgs(args.toArray(String[]::new))).as("%s: %s", name, args)
                    .doesNotThrowAnyException();
            Map<String, String> env = environment(name);
            for (String key : List.of(RunConfig.RUN_CONFIG, RunConfig.BOOTSTRAP_SERVERS_CONFIG, RunConfig.SCHEMA_REGISTRY_URL_CONFIG)) {
                String value = SPECS.containsKey(subcommand(name)) ? env.get(ConfigContract.envName(key))
                        : optionOrNull(name, "--" + key.replace('.', '-'));
                if (value != null) values.computeIfAbsent(key, k -> new TreeSet<>()).add(value);
            }
        }
        assertThat(values).hasSize(3);
        values.forEach((key, seen) -> assertThat(seen).as("every container's %s", key).hasSize(1));
    }

    @Test
    void theGpuOverrideGivesTheLearnerAGpuAndTheCudaImage() {
        JsonNode services = load(REPO.resolve("docker/compose.gpu.yml")).path("services");
        assertThat(names(services)).containsExactly("learner");
        JsonNode learner = services.get("learner");
        JsonNode device = learner.at("/deploy/resources/reservations/devices/0");
        assertThat(device.path("driver").asText()).isEqualTo("nvidia");
        assertThat(texts(device.path("capabilities"))).contains("gpu");
        Path dockerfile = REPO.resolve(learner.at("/build/dockerfile").asText());
        assertThat(dockerfile).isRegularFile();
        assertThat(dockerfile.getFileName().toString()).isEqualTo("Dockerfile.cuda");
        assertThat(learner.path("image").asText()).isNotEqualTo(SERVICES.at("/learner/image").asText());
    }

    @Test
    void theBuildContextKeepsWhatTheDockerfilesCopy() throws IOException {
        List<String> patterns = Files.readAllLines(REPO.resolve(".dockerignore"), StandardCharsets.UTF_8).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(patterns).as("an allow-list: everything is left out first").first().isEqualTo("*");
        List<Path> dockerfiles;
        try (var files = Files.list(REPO.resolve("docker"))) {
            dockerfiles = files.filter(p -> p.getFileName().toString().startsWith("Dockerfile")).sorted().toList();
        }
        assertThat(dockerfiles).isNotEmpty();
        for (Path dockerfile : dockerfiles) {
            for (String line : Files.readAllLines(dockerfile, StandardCharsets.UTF_8)) {
                List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
                if (words.isEmpty() || !(words.get(0).equals("COPY") || words.get(0).equals("ADD"))) continue;
                if (words.stream().anyMatch(w -> w.startsWith("--from"))) continue;
                List<String> sources = words.subList(1, words.size() - 1).stream().filter(w -> !w.startsWith("--")).toList();
                for (String source : sources)
                    assertThat(patterns).as("%s copies %s", dockerfile.getFileName(), source).contains("!" + source);
            }
        }
    }

    // ---- reading the file

    private static JsonNode load(Path file) {
        try {
            JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            return interpolate(tree, file.getFileName().toString());
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?}");

    /**
     * The tree with every ${NAME:-default} replaced by its default. A variable without a default fails: the file
     * must work from a clean shell. So does a merge key, which this parser would leave as a literal "<<" key
     * holding the anchor's name: the file uses no anchors, so every setting is where it applies.
     */
    private static JsonNode interpolate(JsonNode node, String where) {
        if (node.isTextual()) {
            String text = node.asText().replace("$$", "\u0000");
            Matcher m = VARIABLE.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                if (m.group(2) == null) fail(where + ": ${" + m.group(1) + "} has no default");
                m.appendReplacement(out, Matcher.quoteReplacement(m.group(3)));
            }
            m.appendTail(out);
            assertThat(out.toString()).as("%s: an interpolation this test does not read", where).doesNotContain("$");
            return TextNode.valueOf(out.toString().replace('\u0000', '$'));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                assertThat(e.getKey()).as("%s: a YAML merge key", where).isNotEqualTo("<<");
                copy.set(e.getKey(), interpolate(e.getValue(), where + "/" + e.getKey()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (JsonNode element : node) copy.add(interpolate(element, where));
            return copy;
        }
        return node;
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) names.add(e.getKey());
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(e -> texts.add(e.asText()));
        return texts;
    }

    private static List<String> brokers() {
        return names(SERVICES).stream().filter(n -> SERVICES.get(n).path("image").asText().startsWith("apache/kafka:"))
                .toList();
    }

    private static boolean isRltf(String name) {
        return SERVICES.get(name).has("build");
    }

    private static List<String> rltfServices() {
        return names(SERVICES).stream().filter(DockerComposeTest::isRltf).toList();
    }

    /** The container's command: the image's entrypoint is the rltf jar, so this is an rltf command line. */
    private static List<String> command(String name) {
        JsonNode command = SERVICES.get(name).path("command");
        assertThat(command.isArray()).as("%s: command as a list (no shell word splitting)", name).isTrue();
        return texts(command);
    }

    private static String subcommand(String name) {
        return isRltf(name) ? command(name).get(0) : "";
    }

    private static String option(String name, String option) {
        String value = optionOrNull(name, option);
        assertThat(value).as("%s: %s", name, option).isNotNull();
        return value;
    }

    private static String optionOrNull(String name, String option) {
        List<String> args = command(name);
        int i = args.indexOf(option);
        return i >= 0 && i < args.size() - 1 ? args.get(i + 1) : null;
    }

    /** The container's environment, from either of compose's forms (a mapping, or a list of NAME=value). */
    private static Map<String, String> environment(String name) {
        JsonNode env = SERVICES.get(name).path("environment");
        Map<String, String> out = new TreeMap<>();
        if (env.isArray()) {
            for (JsonNode e : env) {
                String[] kv = e.asText().split("=", 2);
                out.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        } else {
            for (Map.Entry<String, JsonNode> e : env.properties())
                out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
        }
        return out;
    }

    /** NAME://host:port,... as NAME -> host:port. */
    private static Map<String, String> listeners(String value) {
        return Arrays.stream(value.split(",")).map(String::trim)
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf("://")), l -> l.substring(l.indexOf("://") + 3)));
    }

    private static int listenerPort(String broker, String listener) {
        String address = listeners(environment(broker).get("KAFKA_LISTENERS")).get(listener);
        assertThat(address).as("%s: listener %s", broker, listener).isNotNull();
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static String healthCheck(String name) {
        JsonNode test = SERVICES.get(name).at("/healthcheck/test");
        List<String> words = texts(test);
        assertThat(words).as("%s: health check", name).isNotEmpty();
        assertThat(words.get(0)).as(name).isIn("CMD", "CMD-SHELL");
        return String.join(" ", words);
    }

    /** The short-syntax mount of named volume {@code volume}: [volume, path] or [volume, path, mode]. */
    private static String[] volumeMount(String name, String volume) {
        for (String mount : texts(SERVICES.get(name).path("volumes"))) {
            String[] parts = mount.split(":");
            if (parts[0].equals(volume)) return parts;
        }
        throw new AssertionError(name + " does not mount volume " + volume);
    }
}
