package org.rltf.schemas.serde;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

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

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    private static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where the schema registry client takes the HTTP "
            + "Basic credentials it sends from: USER_INFO (basic.auth.user.info, for every URL) or URL (the user info of "
            + "each schema.registry.url, as in https://user:password@registry.example:8081; a URL without one is called "
            + "without credentials). Confluent's key and values; its SASL_INHERIT is not supported.";

    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "USER:PASSWORD, sent to the schema registry as HTTP Basic "
            + "credentials when basic.auth.credentials.source is USER_INFO (a managed registry's API key and secret).";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, (name, value) -> {
                @SuppressWarnings("unchecked") List<String> urls = (List<String>) value;
                if (urls == null || urls.isEmpty()) throw new ConfigException(name, value, "at least one URL is required");
                for (String u : urls)
                    if (!(u.startsWith("http://") || u.startsWith("https://") || u.startsWith("mock://")))
                        // Not the value itself: a URL may carry a password.
                        throw new ConfigException(name + ": '" + withoutUserInfo(u) + "' is not an http://, https:// or mock:// URL");
            }, Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, false, Importance.LOW, USE_LATEST_VERSION_DOC)
            .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, false, Importance.LOW, SPECIFIC_AVRO_READER_DOC)
            .define(REQUEST_TIMEOUT_MS_CONFIG, Type.INT, 30_000, Range.atLeast(1), Importance.LOW, REQUEST_TIMEOUT_MS_DOC)
            .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, CredentialsSource.URL.name(),
                    ConfigDef.CaseInsensitiveValidString.in(CredentialsSource.URL.name(), CredentialsSource.USER_INFO.name()),
                    Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC);

    /** Values of {@value #BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG}. */
    public enum CredentialsSource { URL, USER_INFO }

    public AvroSerdeConfig(Map<?, ?> originals) {
        super(CONFIG, originals, false);
        if (credentialsSource() == CredentialsSource.USER_INFO) {
            Password userInfo = getPassword(BASIC_AUTH_USER_INFO_CONFIG);
            if (userInfo == null || userInfo.value().indexOf(':') <= 0)
                throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG, userInfo, "expected USER:PASSWORD, as "
                        + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + " is " + CredentialsSource.USER_INFO);
        }
    }

    public CredentialsSource credentialsSource() {
        return CredentialsSource.valueOf(getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG).toUpperCase(java.util.Locale.ROOT));
    }

    /** The USER:PASSWORD every registry URL is called with, or null when each URL's own user info is used. */
    public String basicAuthUserInfo() {
        return credentialsSource() == CredentialsSource.USER_INFO ? getPassword(BASIC_AUTH_USER_INFO_CONFIG).value() : null;
    }

    /** {@code url} without the user info of its authority ({@code http://u:p@h:1/x} is {@code http://h:1/x}). */
    public static String withoutUserInfo(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) return url;
        int authorityEnd = url.indexOf('/', scheme + 3);
        if (authorityEnd < 0) authorityEnd = url.length();
        int at = url.lastIndexOf('@', authorityEnd - 1);
        return at < scheme ? url : url.substring(0, scheme + 3) + url.substring(at + 1);
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
