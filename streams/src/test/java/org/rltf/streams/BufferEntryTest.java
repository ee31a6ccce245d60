package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rltf.streams.Events.feedback;
import static org.rltf.streams.Events.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;
import org.rltf.events.Experience;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.schemas.serde.InMemorySchemaRegistryClient;
import org.rltf.schemas.serde.MalformedRecordException;

/** What a snapshot reads ahead of the full decode is what the full decode gives, for any compatible writer. */
class BufferEntryTest {
    private static final String TOPIC = "run.experience";
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final BufferEntry.Decoding decoding = new BufferEntry.Decoding(TOPIC,
            new AvroDeserializer<>(Experience.class, registry));

    private static Experience experience(String id, long version, boolean greedy, int tokens) {
        Sample s = sample("run", id, "p", version, greedy, tokens);
        return Rewards.experience(s, feedback(s, Outcome.PASS, 1, 1),
                new RewardConfig(Map.of(RewardConfig.BASELINE_CONFIG, "none")));
    }

    @Test
    void readsVersionGreedyAndLengthAheadAndDecodesTheRestOnce() {
        AvroSerializer<Experience> serializer = new AvroSerializer<>(registry);
        for (Experience e : List.of(experience("a", 7, false, 5), experience("g", 1L << 40, true, 0),
                experience("long", 0, false, 300))) {
            BufferEntry entry = decoding.entry(e.getSampleId(), 42, serializer.serialize(TOPIC, e));
            assertThat(entry.sampleId()).isEqualTo(e.getSampleId());
            assertThat(entry.timestamp()).isEqualTo(42);
            assertThat(entry.policyVersion()).isEqualTo(e.getPolicyVersion());
            assertThat(entry.greedy()).isEqualTo(e.getGreedy());
            assertThat(entry.completionTokens()).isEqualTo(e.getTokenIds().size());
            assertThat(entry.experience()).isEqualTo(e).isSameAs(entry.experience());
        }
    }

    @Test
    void anotherWritersFieldOrderAndAMissingDefaultReadTheSame() throws IOException {
        Experience e = experience("x", 3, true, 9);
        // A writer with the fields in reverse order and no greedy field (its reader default is false).
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : Experience.getClassSchema().getFields())
            if (!f.name().equals("greedy")) fields.add(new Schema.Field(f, f.schema()));
        Collections.reverse(fields);
        Schema writer = Schema.createRecord("Experience", null, "org.rltf.events", false, fields);
        GenericData.Record record = new GenericData.Record(writer);
        for (Schema.Field f : writer.getFields()) record.put(f.name(), e.get(f.name()));
        byte[] bytes = wire(registry.register(TOPIC + "-value", writer), writer, record);

        BufferEntry entry = decoding.entry("x", 1, bytes);
        assertThat(entry.policyVersion()).isEqualTo(3);
        assertThat(entry.greedy()).isFalse();
        assertThat(entry.completionTokens()).isEqualTo(9);
        Experience decoded = entry.experience();
        assertThat(decoded.getGreedy()).isFalse();
        assertThat(decoded.getTokenIds()).isEqualTo(e.getTokenIds());
    }

    @Test
    void aTruncatedRecordIsMalformedNamingTheSample() {
        byte[] bytes = new AvroSerializer<Experience>(registry).serialize(TOPIC, experience("t", 1, false, 50));
        byte[] cut = java.util.Arrays.copyOf(bytes, 40);
        assertThatThrownBy(() -> decoding.entry("t", 1, cut)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("Experience t");
    }

    private static byte[] wire(int id, Schema schema, GenericData.Record record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericData.Record>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
