package org.rltf.schemas.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * What a schema registry knows: subjects, their versions, global ids, compatibility levels. The embedded server
 * rebuilds it by applying the records of its {@code _schemas} topic; the in-memory client applies directly.
 * Ids are global per schema text: the same schema under two subjects has one id, as in Confluent's registry.
 *
 * <p>Not thread-safe: callers hold a lock.
 */
public final class RegistryState {
    private final Map<String, TreeMap<Integer, RegisteredSchema>> subjects = new TreeMap<>();
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<String, Integer> idByText = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;

    public RegistryState(CompatibilityLevel globalLevel) {
        this.globalLevel = globalLevel;
    }

    /** Parses a schema as the registry receives it; 42201 with Avro's message when it is not valid. */
    public static Schema parse(String schema) {
        if (schema == null) throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Missing schema");
        try {
            return new Schema.Parser().parse(schema);
        } catch (SchemaParseException | NullPointerException e) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        } catch (RuntimeException e) {
            // Jackson's parse errors surface as other runtime exceptions depending on the input.
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    /** Avro's normalised JSON: schemas that differ only in whitespace are the same schema. */
    static String text(Schema schema) {
        return schema.toString();
    }

    // ---- applying ----

    public void apply(RegisteredSchema registered) {
        String text = text(registered.schema());
        subjects.computeIfAbsent(registered.subject(), s -> new TreeMap<>()).put(registered.version(), registered);
        byId.putIfAbsent(registered.id(), registered.schema());
        idByText.putIfAbsent(text, registered.id());
        maxId = Math.max(maxId, registered.id());
    }

    /** {@code subject == null}: the global level; {@code level == null}: remove the subject's own level. */
    public void applyCompatibility(String subject, CompatibilityLevel level) {
        if (subject == null) {
            if (level != null) globalLevel = level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    // ---- deciding ----

    /**
     * What registering {@code schema} under {@code subject} means: the existing entry if the subject has it already,
     * else the new version to append (with the schema's global id, reused if another subject has it). Throws 409 with
     * the reasons when the subject's compatibility level forbids it.
     */
    public Registration prepare(String subject, Schema schema) {
        Optional<RegisteredSchema> existing = lookup(subject, schema);
        if (existing.isPresent()) return new Registration(existing.get(), false);
        TreeMap<Integer, RegisteredSchema> versions = subjects.getOrDefault(subject, new TreeMap<>());
        List<Schema> previous = versions.values().stream().map(RegisteredSchema::schema).toList();
        CompatibilityLevel level = compatibility(subject);
        List<String> problems = level.check(schema, previous);
        if (!problems.isEmpty())
            throw new SchemaRegistryException(409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" under " + level + ", details: " + problems);
        int id = idByText.getOrDefault(text(schema), maxId + 1);
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        return new Registration(new RegisteredSchema(subject, version, id, schema), true);
    }

    /** {@code isNew}: the registry must store {@code schema} before answering. */
    public record Registration(RegisteredSchema schema, boolean isNew) {
    }

    public List<String> testCompatibility(String subject, Schema schema, String version) {
        TreeMap<Integer, RegisteredSchema> versions = versionsOf(subject);
        CompatibilityLevel level = compatibility(subject);
        if ("latest".equals(version) && !level.name().endsWith("_TRANSITIVE")) {
            return level.check(schema, List.of(versions.lastEntry().getValue().schema()));
        }
        if (!"latest".equals(version)) {
            RegisteredSchema one = version(subject, version);
            return level.check(schema, List.of(one.schema()));
        }
        return level.check(schema, versions.values().stream().map(RegisteredSchema::schema).toList());
    }

    // ---- querying ----

    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        String text = text(schema);
        TreeMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        if (versions == null) return Optional.empty();
        return versions.values().stream().filter(r -> text(r.schema()).equals(text)).findFirst();
    }

    public Optional<Schema> schemaById(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    public List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    public List<Integer> versions(String subject) {
        return new ArrayList<>(versionsOf(subject).keySet());
    }

    /** {@code version}: a number or "latest". 40401 when the subject is unknown, 40402 when the version is. */
    public RegisteredSchema version(String subject, String version) {
        TreeMap<Integer, RegisteredSchema> versions = versionsOf(subject);
        if ("latest".equals(version) || "-1".equals(version)) return versions.lastEntry().getValue();
        int v;
        try {
            v = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_VERSION,
                    "The specified version '" + version + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        if (v < 1)
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_VERSION,
                    "The specified version '" + version + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        RegisteredSchema r = versions.get(v);
        if (r == null)
            throw new SchemaRegistryException(404, SchemaRegistryException.VERSION_NOT_FOUND, "Version " + v + " not found.");
        return r;
    }

    public CompatibilityLevel compatibility(String subject) {
        return subject == null ? globalLevel : subjectLevels.getOrDefault(subject, globalLevel);
    }

    public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    public int maxId() { return maxId; }

    private TreeMap<Integer, RegisteredSchema> versionsOf(String subject) {
        TreeMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty())
            throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        return versions;
    }
}
