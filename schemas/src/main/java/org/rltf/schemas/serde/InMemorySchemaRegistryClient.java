package org.rltf.schemas.serde;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;

/**
 * A registry inside this JVM, with the same rules as the embedded server (global ids, compatibility checks) but no
 * storage: for unit tests that use the serde without a broker (TopologyTestDriver). Selected by
 * {@code schema.registry.url=mock://<scope>}; every serde of one scope shares one registry, like Confluent's
 * MockSchemaRegistry. Tests against the real broker use the real registry server instead.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
    private static final Map<String, InMemorySchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

    private final RegistryState state = new RegistryState(CompatibilityLevel.BACKWARD);

    public InMemorySchemaRegistryClient() {
    }

    /** The registry of {@code scope}, created on first use. */
    public static InMemorySchemaRegistryClient forScope(String scope) {
        return SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistryClient());
    }

    /** Forgets the registry of {@code scope}. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    @Override public synchronized int register(String subject, Schema schema) {
        RegistryState.Registration r = state.prepare(subject, schema);
        if (r.isNew()) state.apply(r.schema());
        return r.schema().id();
    }

    @Override public synchronized int getId(String subject, Schema schema) {
        state.versions(subject); // 40401 for an unknown subject
        return state.lookup(subject, schema).map(RegisteredSchema::id).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found"));
    }

    @Override public synchronized Schema getSchemaById(int id) {
        return state.schemaById(id).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
    }

    @Override public synchronized RegisteredSchema getLatestVersion(String subject) {
        return state.version(subject, "latest");
    }

    @Override public synchronized RegisteredSchema getVersion(String subject, int version) {
        return state.version(subject, Integer.toString(version));
    }

    @Override public synchronized List<Integer> getVersions(String subject) {
        return state.versions(subject);
    }

    @Override public synchronized List<String> getSubjects() {
        return state.subjects();
    }

    @Override public synchronized List<String> testCompatibility(String subject, Schema schema) {
        return state.testCompatibility(subject, schema, "latest");
    }

    @Override public synchronized CompatibilityLevel getCompatibility(String subject) {
        return state.compatibility(subject);
    }

    @Override public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        state.applyCompatibility(subject, level);
    }
}
