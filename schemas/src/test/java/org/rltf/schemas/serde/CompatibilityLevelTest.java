package org.rltf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {
    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
    }

    private static final Schema V1 = record("{\"name\":\"a\",\"type\":\"int\"}");
    // Adds a field with a default: readable both ways.
    private static final Schema V2_DEFAULT = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}");
    // Adds a field without default: new readers cannot read old data.
    private static final Schema V2_REQUIRED = record("{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\"}");
    // Drops 'a' (no default in V1): old readers cannot read new data.
    private static final Schema V2_DROPPED = record("{\"name\":\"c\",\"type\":\"int\",\"default\":0}");

    @Test void backwardForwardFull() {
        assertThat(CompatibilityLevel.BACKWARD.check(V2_DEFAULT, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.BACKWARD.check(V2_REQUIRED, List.of(V1)))
                .singleElement().asString().contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("b");
        assertThat(CompatibilityLevel.FORWARD.check(V2_REQUIRED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.FORWARD.check(V2_DROPPED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.FULL.check(V2_DEFAULT, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.FULL.check(V2_REQUIRED, List.of(V1))).isNotEmpty();
        assertThat(CompatibilityLevel.NONE.check(V2_DROPPED, List.of(V1))).isEmpty();
        assertThat(CompatibilityLevel.BACKWARD.check(V2_REQUIRED, List.of())).isEmpty();
    }

    @Test void transitiveChecksEveryVersion() {
        // V1 -> V2 (adds b with default) -> V3 (b without default): V3 reads V2 data but not V1 data.
        Schema v3 = V2_REQUIRED;
        List<Schema> history = List.of(V1, V2_DEFAULT);
        assertThat(CompatibilityLevel.BACKWARD.check(v3, history)).isEmpty();
        assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.check(v3, history)).isNotEmpty();
    }

    @Test void parseRefusesUnknownLevels() {
        assertThat(CompatibilityLevel.parse("full_transitive")).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL));
    }
}
