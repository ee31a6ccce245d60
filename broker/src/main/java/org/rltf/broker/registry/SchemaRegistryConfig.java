package org.rltf.broker.registry;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.rltf.kernel.ClientConfigs;
import org.rltf.schemas.serde.CompatibilityLevel;

/**
 * Configuration of {@link SchemaRegistryServer}; the keys are Confluent Schema Registry's, but for
 * {@value #AUTHENTICATION_BASIC_USER_INFO_CONFIG}. The store's Kafka clients take the common Kafka client keys
 * (security.protocol, sasl.*, ssl.*, timeouts) under {@value #KAFKASTORE_PREFIX}, as Confluent's registry does
 * ({@code kafkastore.security.protocol=SASL_SSL}); any other {@code kafkastore.} key is an error.
 */
public final class SchemaRegistryConfig extends AbstractConfig {
    public static final String LISTENERS_CONFIG = "listeners";
    private static final String LISTENERS_DOC = "The HTTP listener, e.g. http://127.0.0.1:8081; port 0 picks a free port. "
            + "Only the first listener is used.";

    public static final String KAFKASTORE_PREFIX = "kafkastore.";

    public static final String KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG = "kafkastore.bootstrap.servers";
    private static final String KAFKASTORE_BOOTSTRAP_SERVERS_DOC = "Kafka cluster that stores the schemas.";

    public static final String KAFKASTORE_TOPIC_CONFIG = "kafkastore.topic";
    private static final String KAFKASTORE_TOPIC_DOC = "Compacted topic that stores the schemas; created (1 partition) if missing.";

    public static final String KAFKASTORE_TIMEOUT_MS_CONFIG = "kafkastore.timeout.ms";
    private static final String KAFKASTORE_TIMEOUT_MS_DOC = "How long a request waits for the store: reading it to the end, or a write to be acknowledged.";

    public static final String SCHEMA_COMPATIBILITY_LEVEL_CONFIG = "schema.compatibility.level";
    private static final String SCHEMA_COMPATIBILITY_LEVEL_DOC = "The global compatibility level until one is set through "
            + "PUT /config: one of " + List.of(CompatibilityLevel.values()) + ".";

    public static final String AUTHENTICATION_BASIC_USER_INFO_CONFIG = "authentication.basic.user.info";
    private static final String AUTHENTICATION_BASIC_USER_INFO_DOC = "USER:PASSWORD: when set, every request must "
            + "carry these HTTP Basic credentials or is answered 401. (Confluent's registry configures this with "
            + "authentication.method=BASIC and a JAAS realm, which this one does not read.)";

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
            }, Importance.MEDIUM, SCHEMA_COMPATIBILITY_LEVEL_DOC)
            .define(AUTHENTICATION_BASIC_USER_INFO_CONFIG, Type.PASSWORD, null, (name, value) -> {
                if (value != null && ((Password) value).value().indexOf(':') <= 0)
                    throw new ConfigException(name, value, "expected USER:PASSWORD");
            }, Importance.MEDIUM, AUTHENTICATION_BASIC_USER_INFO_DOC);

    public SchemaRegistryConfig(Map<?, ?> originals) {
        super(CONFIG, originals, true);
        for (String key : originalsWithPrefix(KAFKASTORE_PREFIX, false).keySet()) {
            String clientKey = key.substring(KAFKASTORE_PREFIX.length());
            if (!CONFIG.names().contains(key) && !ClientConfigs.isCommonClientKey(clientKey))
                throw new ConfigException("Unknown schema registry configuration key '" + key + "': the store's Kafka "
                        + "clients take only the common client keys (security.protocol, sasl.*, ssl.*, ...) under "
                        + KAFKASTORE_PREFIX);
        }
    }

    public URI listener() { return URI.create(getList(LISTENERS_CONFIG).get(0)); }
    public List<String> bootstrapServers() { return getList(KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG); }
    public String topic() { return getString(KAFKASTORE_TOPIC_CONFIG); }
    public int timeoutMs() { return getInt(KAFKASTORE_TIMEOUT_MS_CONFIG); }

    /** The store's clients' settings: {@code bootstrap.servers} and the common client keys under {@value #KAFKASTORE_PREFIX}. */
    public Map<String, Object> storeClients() {
        Map<String, Object> clients = new HashMap<>(ClientConfigs.common(originalsWithPrefix(KAFKASTORE_PREFIX)));
        clients.put(KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG.substring(KAFKASTORE_PREFIX.length()), String.join(",", bootstrapServers()));
        return clients;
    }

    /** The USER:PASSWORD every request must carry, or null when the registry requires none. */
    public String basicAuthUserInfo() {
        Password p = getPassword(AUTHENTICATION_BASIC_USER_INFO_CONFIG);
        return p == null ? null : p.value();
    }
    public CompatibilityLevel compatibilityLevel() { return CompatibilityLevel.parse(getString(SCHEMA_COMPATIBILITY_LEVEL_CONFIG)); }
}
