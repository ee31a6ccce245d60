package org.rltf.kernel;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.schemas.Topics;

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

    public static final String STARTUP_TIMEOUT_MS_CONFIG = "startup.timeout.ms";
    private static final String STARTUP_TIMEOUT_MS_DOC = "How long a starting service waits for the Kafka cluster and "
            + "the schema registry (reaching the brokers, fencing an older instance, reading a topic to its end) before "
            + "it gives up with an error naming the servers and what it was doing. Once running, a service rides out "
            + "outages of any length.";
    public static final String METRICS_PORT_CONFIG = "metrics.port";
    private static final String METRICS_PORT_DOC = "Serve the service's Prometheus metrics (its own meters, the JVM's and "
            + "every Kafka client's: consumer lag, records/s) at http://<host>:<port>/metrics; 0 takes any free port "
            + "(logged), -1 serves none. Served when the service runs as rltf <service>.";

    /** A run name usable in topic names ({@link Topics#validateRun}). */
    public static final ConfigDef.Validator RUN_NAME = Validators.described(
            "a run name: ASCII letters, digits, '_' and '-' (no '.')", (name, value) -> {
                try {
                    Topics.validateRun((String) value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            });

    /** An instance name that may become part of ids, client ids and transactional ids; empty is allowed. */
    public static final ConfigDef.Validator INSTANCE_NAME = Validators.described(
            "ASCII letters, digits, '.', '_' and '-' (may be empty)", (name, value) -> {
                if (value != null && !((String) value).matches("[A-Za-z0-9._-]*"))
                    throw new ConfigException(name, value, "may contain only ASCII letters, digits, '.', '_' and '-'");
            });

    /** A new ConfigDef holding the shared keys; {@code runDoc} says what this service reads and writes of the run. */
    public static ConfigDef define(String runDoc) {
        return new ConfigDef()
                .define(RUN_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, RUN_NAME, Importance.HIGH, runDoc)
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        new ConfigDef.NonEmptyString(), Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(STARTUP_TIMEOUT_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        STARTUP_TIMEOUT_MS_DOC)
                .define(METRICS_PORT_CONFIG, Type.INT, -1, ConfigDef.Range.between(-1, 65535), Importance.LOW,
                        METRICS_PORT_DOC);
    }
}
