package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rltf.events.DeadLetter;
import org.rltf.events.PassAtK;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerdeConfig;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.schemas.serde.CompatibilityLevel;
import org.rltf.schemas.serde.InMemorySchemaRegistryClient;
import org.rltf.schemas.serde.RegisteredSchema;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.rltf.schemas.serde.WrongMagicByteException;

/** The per-record "deserialize or dead-letter" rules, without a broker. */
class RecordDecoderTest {
    private final String scope = "decoder-" + UUID.randomUUID();
    private final Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope);
    private final PassAtK value = PassAtK.newBuilder().setK(1).setDifficulty("all").setProblems(5).setValue(0.2).build();

    @AfterEach void drop() {
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    private static ConsumerRecord<byte[], byte[]> raw(String topic, long offset, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 2, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test void goodBadAndNull() {
        String topic = Topics.forRun("r").evaluations();
        byte[] bytes = new AvroSerializer<PassAtK>(config, false).serialize(topic, value);
        RecordDecoder<String, PassAtK> decoder = new RecordDecoder<>(new StringDeserializer(),
                new AvroDeserializer<>(PassAtK.class, config, false));

        var good = decoder.decode(raw(topic, 0, "k", bytes));
        assertThat(good).isInstanceOfSatisfying(RecordDecoder.Good.class, g -> {
            assertThat(g.record().key()).isEqualTo("k");
            assertThat(g.record().value()).isEqualTo(value);
            assertThat(g.record().offset()).isZero();
        });

        byte[] bad = bytes.clone();
        bad[0] = 9;
        assertThat(decoder.decode(raw(topic, 1, "k", bad))).isInstanceOfSatisfying(RecordDecoder.Bad.class, b -> {
            assertThat(b.error()).isInstanceOf(WrongMagicByteException.class);
            assertThat(b.reason()).contains("magic byte 0x09");
        });
        assertThat(decoder.decode(raw(topic, 2, "k", null))).isInstanceOfSatisfying(RecordDecoder.Bad.class,
                b -> assertThat(b.reason()).contains("Null value"));
    }

    @Test void anUnreachableRegistryIsNotTheRecordsFault() {
        String topic = Topics.forRun("r").evaluations();
        byte[] bytes = new AvroSerializer<PassAtK>(config, false).serialize(topic, value);
        // Nothing listens on a port we just closed: the registry is down.
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SchemaRegistryClient down = new org.rltf.schemas.serde.CachedSchemaRegistryClient(
                List.of("http://127.0.0.1:" + port), java.time.Duration.ofSeconds(5));
        RecordDecoder<String, PassAtK> decoder = new RecordDecoder<>(new StringDeserializer(), new AvroDeserializer<>(PassAtK.class, down));
        assertThatThrownBy(() -> decoder.decode(raw(topic, 0, "k", bytes)))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE))
                .hasMessageContaining("Could not reach schema registry");
    }

    @Test void deadLetterRecordKeepsKeyBytesAndEventTime() {
        Topics topics = Topics.forRun("r");
        AvroSerializer<DeadLetter> serializer = new AvroSerializer<>(config, false);
        DeadLetters letters = new DeadLetters(new org.apache.kafka.clients.producer.MockProducer<>(), serializer, "grader-7");
        ConsumerRecord<byte[], byte[]> rejected = new ConsumerRecord<>(topics.samples(), 3, 17L, 123_456L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 1, 3, "key".getBytes(), new byte[] {1, 2, 3},
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        ProducerRecord<byte[], byte[]> record = letters.toProducerRecord(rejected, "why", new IllegalStateException("x"));
        assertThat(record.topic()).isEqualTo(topics.deadLetter());
        assertThat(record.key()).isEqualTo("key".getBytes());
        assertThat(record.timestamp()).isEqualTo(123_456L);
        DeadLetter letter = new AvroDeserializer<>(DeadLetter.class, config, false).deserialize(record.topic(), record.value());
        assertThat(letter.getRun()).isEqualTo("r");
        assertThat(letter.getTopic()).isEqualTo(topics.samples());
        assertThat(letter.getPartition()).isEqualTo(3);
        assertThat(letter.getOffset()).isEqualTo(17L);
        assertThat(letter.getReason()).isEqualTo("why");
        assertThat(letter.getErrorClass()).isEqualTo("java.lang.IllegalStateException");
        assertThat(letter.getService()).isEqualTo("grader-7");
        assertThat(letter.getValue().array()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> letters.toProducerRecord(new ConsumerRecord<>("other", 0, 0L, null, new byte[0]), "why", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an rltf topic");
    }

    @Test void useLatestVersionWritesWithTheSubjectsLatestSchema() {
        InMemorySchemaRegistryClient registry = InMemorySchemaRegistryClient.forScope(scope);
        registry.setCompatibility(null, CompatibilityLevel.NONE);
        Schema latest = new Schema.Parser().parse("""
                {"type":"record","name":"PassAtK","namespace":"org.rltf.events","fields":[
                 {"name":"k","type":"int"},{"name":"difficulty","type":"string"},{"name":"problems","type":"int"},
                 {"name":"value","type":"double"},{"name":"stderr","type":"double","default":0.25}]}""");
        registry.register("t-value", PassAtK.getClassSchema());
        int latestId = registry.register("t-value", latest);
        AvroSerializer<PassAtK> serializer = new AvroSerializer<>(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false, AvroSerdeConfig.USE_LATEST_VERSION_CONFIG, true), false);
        byte[] bytes = serializer.serialize("t", value);
        assertThat(((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff)).isEqualTo(latestId);
        AvroDeserializer<Object> generic = new AvroDeserializer<>();
        generic.configure(config, false);
        org.apache.avro.generic.GenericRecord read = (org.apache.avro.generic.GenericRecord) generic.deserialize("t", bytes);
        assertThat(read.get("stderr")).isEqualTo(0.25);
        assertThat(new AvroDeserializer<>(PassAtK.class, config, false).deserialize("t", bytes)).isEqualTo(value);
        assertThat(registry.getVersions("t-value")).isEqualTo(List.of(1, 2));
        RegisteredSchema r = registry.getLatestVersion("t-value");
        assertThat(r.id()).isEqualTo(latestId);
    }
}
