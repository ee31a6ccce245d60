package org.rltf.schemas.serde;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Confluent's compatibility levels, decided by Avro's {@link SchemaCompatibility}. BACKWARD: the new schema can
 * read data written with the latest one (consumers upgrade first). FORWARD: the latest can read data written with
 * the new one (producers upgrade first). FULL: both. The _TRANSITIVE variants check every earlier version, not only
 * the latest.
 */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the registry's error
            }
        }
        throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level '" + name + "'. Valid values are " + List.of(values()));
    }

    /**
     * The reasons {@code candidate} may not follow {@code previous} (oldest first) under this level; empty when it
     * may.
     */
    public List<String> check(Schema candidate, List<Schema> previous) {
        if (this == NONE || previous.isEmpty()) return List.of();
        boolean transitive = name().endsWith("_TRANSITIVE");
        List<Schema> against = transitive ? previous : List.of(previous.get(previous.size() - 1));
        boolean backward = this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
        boolean forward = this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
        List<String> messages = new ArrayList<>();
        for (Schema old : against) {
            if (backward) describe(candidate, SchemaCompatibility.checkReaderWriterCompatibility(candidate, old), "new schema reading old", messages);
            if (forward) describe(old, SchemaCompatibility.checkReaderWriterCompatibility(old, candidate), "old schema reading new", messages);
        }
        return messages;
    }

    private static void describe(Schema reader, SchemaPairCompatibility result, String direction, List<String> messages) {
        for (Incompatibility i : result.getResult().getIncompatibilities())
            messages.add("{" + direction + ": " + i.getType() + " at '" + i.getLocation() + "'" + fieldPath(reader, i.getLocation())
                    + ": " + i.getMessage() + "}");
    }

    /** Avro reports positions ("/fields/2/type"); a person wants names (" (field sample_id)"). Best effort. */
    private static String fieldPath(Schema reader, String location) {
        try {
            List<String> names = new ArrayList<>();
            Schema current = reader;
            String[] parts = location.split("/");
            for (int k = 0; k < parts.length; k++) {
                switch (parts[k]) {
                    case "fields" -> {
                        Schema.Field field = current.getFields().get(Integer.parseInt(parts[++k]));
                        names.add(field.name());
                        current = field.schema();
                    }
                    case "items" -> current = current.getElementType();
                    case "values" -> current = current.getValueType();
                    default -> {
                        if (current.getType() == Schema.Type.UNION && parts[k].matches("\\d+"))
                            current = current.getTypes().get(Integer.parseInt(parts[k]));
                    }
                }
            }
            return names.isEmpty() ? "" : " (field " + String.join(".", names) + ")";
        } catch (RuntimeException e) {
            return "";
        }
    }
}
