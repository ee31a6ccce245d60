package org.rltf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rltf.events.PassAtK;

/**
 * The bytes of Confluent's wire format, checked against vectors computed by hand, and every way reading them
 * can fail. Uses the in-process registry ({@code mock://}); the real registry server is tested in module broker.
 */
class WireFormatTest {
    private static final HexFormat HEX = HexFormat.of();
    // PassAtK{k=1, difficulty="all", problems=64, value=0.5} in Avro binary, by hand:
    //   k=1          -> zigzag 2                        -> 02
    //   "all"        -> length 3 (zigzag 6), then UTF-8  -> 06 61 6c 6c
    //   problems=64  -> zigzag 128, varint 7-bit groups  -> 80 01
    //   value=0.5    -> IEEE 754 0x3FE0000000000000, little-endian -> 00 00 00 00 00 00 e0 3f
    private static final String AVRO = "02" + "06616c6c" + "8001" + "000000000000e03f";
    private static final PassAtK RECORD = PassAtK.newBuilder().setK(1).setDifficulty("all").setProblems(64).setValue(0.5).build();

    private final String scope = "wire-" + UUID.randomUUID();
    private final Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope);

    @AfterEach void dropScope() {
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    @Test void firstSchemaOfAFreshRegistryHasIdOne() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            byte[] bytes = serde.serializer().serialize("t", RECORD);
            assertThat(HEX.formatHex(bytes)).isEqualTo("00" + "00000001" + AVRO);
            assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(RECORD);
        }
    }

    @Test void schemaIdIsFourBigEndianBytes() {
        SchemaRegistryClient registry = new FixedIdRegistry(0x01020304, PassAtK.getClassSchema());
        AvroSerializer<PassAtK> serializer = new AvroSerializer<>(registry);
        serializer.configure(config, false);
        byte[] bytes = serializer.serialize("t", RECORD);
        assertThat(HEX.formatHex(bytes)).isEqualTo("00" + "01020304" + AVRO);

        AvroDeserializer<PassAtK> deserializer = new AvroDeserializer<>(PassAtK.class, registry);
        deserializer.configure(config, false);
        assertThat(deserializer.deserialize("t", HEX.parseHex("00" + "01020304" + AVRO))).isEqualTo(RECORD);
    }

    @Test void registersUnderTopicNameSubjects() {
        InMemorySchemaRegistryClient registry = InMemorySchemaRegistryClient.forScope(scope);
        try (Serde<PassAtK> values = AvroSerdes.serde(PassAtK.class, config, false);
             Serde<PassAtK> keys = AvroSerdes.serde(PassAtK.class, config, true)) {
            values.serializer().serialize("rltf.r.evaluations", RECORD);
            keys.serializer().serialize("rltf.r.evaluations", RECORD);
        }
        assertThat(registry.getSubjects()).containsExactly("rltf.r.evaluations-key", "rltf.r.evaluations-value");
        // One schema text, one global id, whatever the subject.
        assertThat(registry.getLatestVersion("rltf.r.evaluations-key").id())
                .isEqualTo(registry.getLatestVersion("rltf.r.evaluations-value").id()).isEqualTo(1);
    }

    @Test void nullIsNull() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            assertThat(serde.serializer().serialize("t", null)).isNull();
            assertThat(serde.deserializer().deserialize("t", null)).isNull();
        }
    }

    @Test void wrongMagicByte() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            byte[] good = serde.serializer().serialize("t", RECORD);
            good[0] = 1;
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", good))
                    .isInstanceOf(WrongMagicByteException.class).hasMessageContaining("magic byte 0x01");
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{\"json\":1}".getBytes()))
                    .isInstanceOf(WrongMagicByteException.class);
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[0]))
                    .isInstanceOf(WrongMagicByteException.class).hasMessageContaining("empty");
        }
    }

    @Test void unknownSchemaId() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", HEX.parseHex("00" + "000003e7" + AVRO)))
                    .isInstanceOfSatisfying(UnknownSchemaIdException.class, e -> assertThat(e.schemaId()).isEqualTo(999))
                    .hasMessageContaining("schema id 999");
        }
    }

    @Test void truncatedAndTrailingAvro() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            byte[] good = serde.serializer().serialize("t", RECORD);
            byte[] truncated = Arrays.copyOf(good, good.length - 3);
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", truncated))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("not valid Avro");
            byte[] trailing = Arrays.copyOf(good, good.length + 2);
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", trailing))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("bytes left");
            byte[] headerOnly = Arrays.copyOf(good, 3);
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", headerOnly))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("5-byte header");
            // A string length pointing far past the end.
            byte[] garbled = HEX.parseHex("00" + "00000001" + "02" + "7e" + "616c6c");
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", garbled))
                    .isInstanceOf(MalformedRecordException.class);
        }
    }

    @Test void resolvesOlderAndNewerWriterSchemasToTheReaderClass() throws Exception {
        InMemorySchemaRegistryClient registry = InMemorySchemaRegistryClient.forScope(scope);
        registry.setCompatibility(null, CompatibilityLevel.NONE);
        // A newer writer with an extra field: the reader skips it.
        Schema newer = new Schema.Parser().parse("""
                {"type":"record","name":"PassAtK","namespace":"org.rltf.events","fields":[
                 {"name":"k","type":"int"},{"name":"difficulty","type":"string"},{"name":"problems","type":"int"},
                 {"name":"value","type":"double"},{"name":"stderr","type":"double","default":0.0}]}""");
        GenericRecord r = new GenericData.Record(newer);
        r.put("k", 1); r.put("difficulty", "all"); r.put("problems", 64); r.put("value", 0.5); r.put("stderr", 0.1);
        int newerId = registry.register("t-value", newer);
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            assertThat(serde.deserializer().deserialize("t", wire(newerId, newer, r))).isEqualTo(RECORD);

            // A writer without a field the reader needs (no default): a clear refusal, not garbage.
            Schema missing = new Schema.Parser().parse("""
                    {"type":"record","name":"PassAtK","namespace":"org.rltf.events","fields":[
                     {"name":"k","type":"int"},{"name":"difficulty","type":"string"},{"name":"value","type":"double"}]}""");
            GenericRecord m = new GenericData.Record(missing);
            m.put("k", 1); m.put("difficulty", "all"); m.put("value", 0.5);
            int missingId = registry.register("t2-value", missing);
            assertThatThrownBy(() -> serde.deserializer().deserialize("t2", wire(missingId, missing, m)))
                    .isInstanceOf(IncompatibleSchemaException.class).hasMessageContaining("problems");
        }
    }

    @Test void genericReaderWithoutATargetClass() {
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            byte[] bytes = serde.serializer().serialize("t", RECORD);
            AvroDeserializer<Object> generic = new AvroDeserializer<>();
            generic.configure(config, false);
            Object value = generic.deserialize("t", bytes);
            assertThat(value).isInstanceOf(GenericRecord.class).isNotInstanceOf(PassAtK.class);
            assertThat(((GenericRecord) value).get("problems")).isEqualTo(64);

            AvroDeserializer<Object> specific = new AvroDeserializer<>();
            specific.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope,
                    AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true), false);
            assertThat(specific.deserialize("t", bytes)).isEqualTo(RECORD);
        }
    }

    @Test void withoutAutoRegisterTheSchemaMustExist() {
        Map<String, Object> noRegister = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false);
        AvroSerializer<PassAtK> serializer = new AvroSerializer<>(noRegister, false);
        assertThatThrownBy(() -> serializer.serialize("t", RECORD))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                .hasMessageContaining("not registered under subject t-value");
        InMemorySchemaRegistryClient.forScope(scope).register("t-value", PassAtK.getClassSchema());
        assertThat(HEX.formatHex(serializer.serialize("t", RECORD))).isEqualTo("00" + "00000001" + AVRO);
    }

    @Test void incompatibleSchemaIsRefusedWithTheRegistrysReason() {
        InMemorySchemaRegistryClient registry = InMemorySchemaRegistryClient.forScope(scope);
        // The subject already holds a PassAtK whose k is a string; under BACKWARD (the default) the new
        // schema, with an int k, would have to read that data and cannot.
        Schema old = new Schema.Parser().parse("""
                {"type":"record","name":"PassAtK","namespace":"org.rltf.events","fields":[
                 {"name":"k","type":"string"}]}""");
        registry.register("t-value", old);
        try (Serde<PassAtK> serde = AvroSerdes.serde(PassAtK.class, config, false)) {
            assertThatThrownBy(() -> serde.serializer().serialize("t", RECORD))
                    .isInstanceOf(IncompatibleSchemaException.class)
                    .hasMessageContaining("incompatible with an earlier schema for subject \"t-value\"")
                    .hasMessageContaining("TYPE_MISMATCH");
        }
    }

    @Test void configErrorsNameTheKey() {
        assertThatThrownBy(() -> new AvroSerializer<PassAtK>(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> new AvroSerializer<PassAtK>(Map.of("schema.registry.url", "localhost:8081"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> new AvroSerializer<PassAtK>(Map.of("schema.registry.url", "mock://x", "auto.register.schemas", "maybe"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas");
    }

    private static byte[] wire(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** A registry that knows one schema under one id: lets the test pick an id with four distinct bytes. */
    private record FixedIdRegistry(int id, Schema schema) implements SchemaRegistryClient {
        @Override public int register(String subject, Schema s) { return id; }
        @Override public int getId(String subject, Schema s) { return id; }
        @Override public Schema getSchemaById(int i) {
            if (i != id) throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + i + " not found");
            return schema;
        }
        @Override public RegisteredSchema getLatestVersion(String subject) { return new RegisteredSchema(subject, 1, id, schema); }
        @Override public RegisteredSchema getVersion(String subject, int version) { return getLatestVersion(subject); }
        @Override public List<Integer> getVersions(String subject) { return List.of(1); }
        @Override public List<String> getSubjects() { return List.of(); }
        @Override public List<String> testCompatibility(String subject, Schema s) { return List.of(); }
        @Override public CompatibilityLevel getCompatibility(String subject) { return CompatibilityLevel.BACKWARD; }
        @Override public void setCompatibility(String subject, CompatibilityLevel level) { }
    }
}
