package org.rltf.schemas.serde;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link AvroSerializer} and {@link AvroDeserializer}. The keys are Confluent's, so a config
 * written for Confluent's serde works here. Unknown keys are ignored: services pass their whole client config.
 */
public final class AvroSerdeConfig extends AbstractConfig {
    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    private static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated URLs of Confluent-compatible schema "
            + "registries (tried in order), e.g. http://localhost:8081. 'mock://<scope>' uses an in-process registry "
            + "shared by every serde of that scope in this JVM (for unit tests without a broker).";

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether the serializer registers the record's schema "
            + "under '<topic>-value' (or '-key'). When false, the schema must already be registered there.";

    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
    private static final String USE_LATEST_VERSION_DOC = "Whether the serializer writes with the subject's latest "
            + "registered schema (converting the record to it) instead of the record's own schema. Only with "
            + "auto.register.schemas=false, as in Confluent's serde.";

    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    private static final String SPECIFIC_AVRO_READER_DOC = "For a deserializer built without a target class: "
            + "return the generated class named by the writer's schema (true) or a GenericRecord (false). A "
            + "deserializer built for a class always returns that class.";

    public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    private static final String REQUEST_TIMEOUT_MS_DOC = "Timeout of one HTTP request to the schema registry.";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, (name, value) -> {
                @SuppressWarnings("unchecked") List<String> urls = (List<String>) value;
                if (urls == null || urls.isEmpty()) throw new ConfigException(name, value, "at least one URL is required");
                for (String u : urls)
                    if (!(u.startsWith("http://") || u.startsWith("https://") || u.startsWith("mock://")))
                        throw new ConfigException(name, value, "'" + u + "' is not an http://, https:// or mock:// URL");
            }, Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, false, Importance.LOW, USE_LATEST_VERSION_DOC)
            .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, false, Importance.LOW, SPECIFIC_AVRO_READER_DOC)
            .define(REQUEST_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.atLeast(1), Importance.LOW, REQUEST_TIMEOUT_MS_DOC);

    public AvroSerdeConfig(Map<?, ?> originals) {
        super(CONFIG, originals, false);
    }

    public List<String> schemaRegistryUrls() { return getList(SCHEMA_REGISTRY_URL_CONFIG); }
    public boolean autoRegisterSchemas() { return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG); }
    public boolean useLatestVersion() { return getBoolean(USE_LATEST_VERSION_CONFIG); }
    public boolean specificAvroReader() { return getBoolean(SPECIFIC_AVRO_READER_CONFIG); }
    public int requestTimeoutMs() { return getInt(REQUEST_TIMEOUT_MS_CONFIG); }

    /** Confluent's TopicNameStrategy: {@code <topic>-key} or {@code <topic>-value}. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
