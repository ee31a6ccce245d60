package org.rltf.schemas;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The keys every service of a run shares (which run, which cluster, which registry), defined once, as Kafka's
 * {@code CommonClientConfigs} does for its clients. A service's own {@code ConfigDef} starts from {@link #define}.
 */
public final class RunConfig {
    private RunConfig() {
    }

    public static final String RUN_CONFIG = "run";

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers, host:port[,host:port...].";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "The Confluent-compatible schema registry of the run's events.";

    /** A run name usable in topic names ({@link Topics#validateRun}). */
    public static final ConfigDef.Validator RUN_NAME = (name, value) -> {
        try {
            Topics.validateRun((String) value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage());
        }
    };

    /** An instance name that may become part of ids, client ids and transactional ids; empty is allowed. */
    public static final ConfigDef.Validator INSTANCE_NAME = (name, value) -> {
        if (value != null && !((String) value).matches("[A-Za-z0-9._-]*"))
            throw new ConfigException(name, value, "may contain only ASCII letters, digits, '.', '_' and '-'");
    };

    /** A new ConfigDef holding the shared keys; {@code runDoc} says what this service reads and writes of the run. */
    public static ConfigDef define(String runDoc) {
        return new ConfigDef()
                .define(RUN_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, RUN_NAME, Importance.HIGH, runDoc)
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        new ConfigDef.NonEmptyString(), Importance.HIGH, SCHEMA_REGISTRY_URL_DOC);
    }

    /**
     * The {@code key=value} arguments of a service's {@code main}, in order; {@link IllegalArgumentException} for an
     * argument without a key.
     */
    public static Map<String, String> parseKeyValues(String[] args) {
        Map<String, String> configs = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            configs.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return configs;
    }

    /**
     * A consumer that reads a run's topics from the start, sees only committed transactions (the services write
     * transactionally, and an aborted record must never be acted on) and commits nothing by itself.
     */
    public static Map<String, Object> readCommittedConsumer(String bootstrapServers, String clientId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return c;
    }
}
