package org.rltf.lab;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.ServiceSpec;
import picocli.CommandLine.Option;

/**
 * The configuration of a tool that opens Kafka clients but is no service ({@code rltf import}, {@code rltf registry},
 * {@code rltf dashboard}), read as a service's is ({@link ConfigContract#resolve}: command line > environment > file,
 * an unknown key an error naming it): the Kafka client keys ({@code security.protocol}, {@code sasl.*},
 * {@code ssl.*}, {@code producer.*}, {@code consumer.*}, as {@code RLTF_KAFKA_*} variables, {@code -c} or a line of
 * {@code --config-file}), which reach every client the tool opens; the serde's registry keys
 * ({@code basic.auth.user.info}, ...); and the run keys it reads, which its own options ({@code --bootstrap-servers})
 * set as well and win over.
 */
final class ClientSettings {
    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
            description = "A Kafka client setting, repeatable (security.protocol, sasl.mechanism, sasl.jaas.config, "
                    + "ssl.truststore.location, producer.* or consumer.* for the clients this opens; the registry "
                    + "client's basic.auth.credentials.source, basic.auth.user.info); also RLTF_KAFKA_<KEY> "
                    + "(RLTF_KAFKA_SECURITY_PROTOCOL) and RLTF_BASIC_AUTH_... in the environment.")
    Map<String, String> config = new LinkedHashMap<>();

    @Option(names = "--config-file", paramLabel = "FILE",
            description = "A properties file of settings (keys of the rltf services in it are skipped).")
    Path configFile;

    /** The environment it reads; a test sets its own. */
    Map<String, String> environment = System.getenv();

    /** The kinds of client a tool opens besides its admin client, whose prefixed overrides it therefore takes. */
    enum Clients { PRODUCER, CONSUMER }

    /**
     * The spec of tool {@code name}: the run keys it reads ({@code runKeys}, e.g. {@code bootstrap.servers}), the
     * serde's and the common client keys, and the {@code producer.}/{@code consumer.} overrides of the clients it
     * opens ({@code overrides}): a key it would not pass to any client is an error, as for a service.
     */
    static ServiceSpec spec(String name, Set<Clients> overrides, String... runKeys) {
        Map<String, ConfigDef.ConfigKey> run = RunConfig.define("The run.").configKeys();
        ConfigDef def = new ConfigDef();
        for (String key : runKeys) def.define(run.get(key));
        ServiceSpec.Builder spec = ServiceSpec.builder(name).config(def);
        if (overrides.contains(Clients.PRODUCER)) spec.producerOverrides();
        if (overrides.contains(Clients.CONSUMER)) spec.consumerOverrides();
        return spec.build();
    }

    /** The configuration from every source, {@code options} (key -> the value of its option, null: not given) first. */
    Map<String, Object> resolve(ServiceSpec spec, Map<String, String> options) {
        Map<String, String> cli = new LinkedHashMap<>(config);
        options.forEach((key, value) -> {
            if (value != null) cli.put(key, value);
        });
        return new LinkedHashMap<>(ConfigContract.resolve(spec, cli, configFile, environment));
    }

    /** {@link #resolve} with a run tool's three options: --run, --bootstrap-servers and --schema-registry-url. */
    Map<String, Object> resolveRun(ServiceSpec spec, String run, String bootstrapServers, String schemaRegistryUrl) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(RunConfig.RUN_CONFIG, run);
        options.put(RunConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        options.put(RunConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);
        return resolve(spec, options);
    }

    /** The value of {@code key} in {@code config}, which {@code option} or its variable must have set. */
    static String required(Map<String, Object> config, String key, String option) {
        Object value = config.get(key);
        if (value == null || value.toString().isBlank())
            throw new ConfigException("missing " + key + ": give " + option + " (or " + ConfigContract.envName(key) + ")");
        return value.toString().trim();
    }
}
