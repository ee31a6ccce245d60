package org.rltf.schemas.serde;

import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;

/**
 * The subset of Confluent's schema-registry REST API the serde and the tools use. Errors are
 * {@link SchemaRegistryException}s carrying the registry's error code.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The id of {@code schema} if it is registered under {@code subject}; 40401/40403 if not. */
    int getId(String subject, Schema schema);

    /** The schema with global id {@code id}; 40403 if there is none. */
    Schema getSchemaById(int id);

    RegisteredSchema getLatestVersion(String subject);

    RegisteredSchema getVersion(String subject, int version);

    List<Integer> getVersions(String subject);

    List<String> getSubjects();

    /** The reasons {@code schema} cannot be registered under {@code subject}'s compatibility level; empty when it can. */
    List<String> testCompatibility(String subject, Schema schema);

    /** The effective compatibility level of {@code subject} ({@code null}: the global level). */
    CompatibilityLevel getCompatibility(String subject);

    /** Sets the compatibility level of {@code subject} ({@code null}: the global level). */
    void setCompatibility(String subject, CompatibilityLevel level);

    @Override default void close() {
    }

    /**
     * A client for the registry in {@code config}'s {@code schema.registry.url}: {@link CachedSchemaRegistryClient}
     * for http(s) URLs, the JVM-local {@link InMemorySchemaRegistryClient} of the scope for {@code mock://<scope>}.
     */
    static SchemaRegistryClient create(Map<String, ?> config) {
        return create(new AvroSerdeConfig(config));
    }

    static SchemaRegistryClient create(AvroSerdeConfig config) {
        List<String> urls = config.schemaRegistryUrls();
        if (urls.get(0).startsWith("mock://")) return InMemorySchemaRegistryClient.forScope(urls.get(0).substring("mock://".length()));
        return new CachedSchemaRegistryClient(urls, java.time.Duration.ofMillis(config.requestTimeoutMs()),
                config.basicAuthUserInfo());
    }
}
