package org.rltf.broker.registry;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.rltf.schemas.serde.CompatibilityLevel;

/** Configuration of {@link SchemaRegistryServer}; the keys are Confluent Schema Registry's. */
public final class SchemaRegistryConfig extends AbstractConfig {
    public static final String LISTENERS_CONFIG = "listeners";
    private static final String LISTENERS_DOC = "The HTTP listener, e.g. http://127.0.0.1:8081; port 0 picks a free port. "
            + "Only the first listener is used.";

    public static final String KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG = "kafkastore.bootstrap.servers";
    private static final String KAFKASTORE_BOOTSTRAP_SERVERS_DOC = "Kafka cluster that stores the schemas.";

    public static final String KAFKASTORE_TOPIC_CONFIG = "kafkastore.topic";
    private static final String KAFKASTORE_TOPIC_DOC = "Compacted topic that stores the schemas; created (1 partition) if missing.";

    public static final String KAFKASTORE_TIMEOUT_MS_CONFIG = "kafkastore.timeout.ms";
    private static final String KAFKASTORE_TIMEOUT_MS_DOC = "How long a request waits for the store: reading it to the end, or a write to be acknowledged.";

    public static final String SCHEMA_COMPATIBILITY_LEVEL_CONFIG = "schema.compatibility.level";
    private static final String SCHEMA_COMPATIBILITY_LEVEL_DOC = "The global compatibility level until one is set through "
            + "PUT /config: one of " + List.of(CompatibilityLevel.values()) + ".";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(LISTENERS_CONFIG, Type.LIST, "http://127.0.0.1:8081", (name, value) -> {
                @SuppressWarnings("unchecked") List<String> listeners = (List<String>) value;
                if (listeners.isEmpty()) throw new ConfigException(name, value, "one listener is required");
                try {
                    URI u = URI.create(listeners.get(0));
                    if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0)
                        throw new ConfigException(name, value, "expected http://HOST:PORT");
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, "not a URL: " + e.getMessage());
                }
            }, Importance.HIGH, LISTENERS_DOC)
            .define(KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString() {
                @Override public void ensureValid(String name, Object o) {
                    if (o == null || ((List<?>) o).isEmpty()) throw new ConfigException(name, o, "at least one bootstrap server is required");
                }
            }, Importance.HIGH, KAFKASTORE_BOOTSTRAP_SERVERS_DOC)
            .define(KAFKASTORE_TOPIC_CONFIG, Type.STRING, "_schemas", new ConfigDef.NonEmptyString(), Importance.MEDIUM, KAFKASTORE_TOPIC_DOC)
            .define(KAFKASTORE_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.atLeast(1), Importance.LOW, KAFKASTORE_TIMEOUT_MS_DOC)
            .define(SCHEMA_COMPATIBILITY_LEVEL_CONFIG, Type.STRING, "backward", (name, value) -> {
                try {
                    CompatibilityLevel.parse((String) value);
                } catch (RuntimeException e) {
                    throw new ConfigException(name, value, "expected one of " + List.of(CompatibilityLevel.values()));
                }
            }, Importance.MEDIUM, SCHEMA_COMPATIBILITY_LEVEL_DOC);

    public SchemaRegistryConfig(Map<?, ?> originals) {
        super(CONFIG, originals, true);
    }

    public URI listener() { return URI.create(getList(LISTENERS_CONFIG).get(0)); }
    public List<String> bootstrapServers() { return getList(KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG); }
    public String topic() { return getString(KAFKASTORE_TOPIC_CONFIG); }
    public int timeoutMs() { return getInt(KAFKASTORE_TIMEOUT_MS_CONFIG); }
    public CompatibilityLevel compatibilityLevel() { return CompatibilityLevel.parse(getString(SCHEMA_COMPATIBILITY_LEVEL_CONFIG)); }
}
