package org.rltf.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in Confluent's wire format: magic byte 0, the schema's registry id as 4 big-endian bytes,
 * then the Avro binary encoding. The schema is registered (or looked up) under {@code <topic>-value} or
 * {@code <topic>-key} once per schema and topic, then cached.
 *
 * <p>Works for generated classes ({@link SpecificRecord}) and for {@link org.apache.avro.generic.GenericRecord}.
 * Thread-safe, as a producer's serializer must be.
 */
public class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {
    public static final byte MAGIC_BYTE = 0;

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean isKey;
    private boolean autoRegister = true;
    private boolean useLatestVersion;

    private final Map<Target, Integer> ids = new ConcurrentHashMap<>();
    private final Map<String, RegisteredSchema> latest = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final ThreadLocal<Encoding> encoding = ThreadLocal.withInitial(Encoding::new);

    private record Target(String subject, Schema schema) {
        // Identity of the Schema object: a generated class has one, and it avoids deep equals on every record.
        @Override public boolean equals(Object o) {
            return o instanceof Target t && t.subject.equals(subject) && t.schema == schema;
        }

        @Override public int hashCode() {
            return subject.hashCode() * 31 + System.identityHashCode(schema);
        }
    }

    /** For Kafka's reflective construction; {@link #configure} must follow. */
    public AvroSerializer() {
    }

    /** Uses (and does not close) {@code client}; {@link #configure} still reads the flags. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client);
    }

    /** Configured at once, with its own registry client. */
    public AvroSerializer(Map<String, ?> config, boolean isKey) {
        configure(config, isKey);
    }

    @Override public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        this.autoRegister = config.autoRegisterSchemas();
        this.useLatestVersion = config.useLatestVersion();
        if (client == null) {
            client = SchemaRegistryClient.create(config);
            ownsClient = true;
        }
    }

    @Override public byte[] serialize(String topic, T data) {
        if (data == null) return null;
        if (client == null) throw new IllegalStateException("AvroSerializer used before configure()");
        String subject = AvroSerdeConfig.subject(topic, isKey);
        Schema schema = data.getSchema();
        Object record = data;
        int id;
        if (useLatestVersion && !autoRegister) {
            RegisteredSchema target = latest.computeIfAbsent(subject, s -> registryCall(() -> client.getLatestVersion(s), subject, schema));
            if (!target.schema().equals(schema)) {
                record = convert(data, target.schema(), subject);
            }
            id = target.id();
            return encode(id, target.schema(), record, subject);
        }
        id = ids.computeIfAbsent(new Target(subject, schema), t -> registryCall(() -> autoRegister
                ? client.register(subject, schema) : client.getId(subject, schema), subject, schema));
        return encode(id, schema, record, subject);
    }

    private byte[] encode(int id, Schema schema, Object record, String subject) {
        Encoding e = encoding.get();
        e.out.reset();
        e.out.write(MAGIC_BYTE);
        e.out.write(id >>> 24);
        e.out.write(id >>> 16);
        e.out.write(id >>> 8);
        e.out.write(id);
        try {
            e.encoder = EncoderFactory.get().binaryEncoder(e.out, e.encoder);
            writers.computeIfAbsent(schema, AvroSerializer::writerFor).write(record, e.encoder);
            e.encoder.flush();
        } catch (IOException | RuntimeException failure) {
            e.encoder = null; // may hold part of the failed record
            throw new SerializationException("Could not encode a " + schema.getFullName() + " for subject " + subject + ": " + failure.getMessage(), failure);
        }
        return e.out.toByteArrayAndTrim();
    }

    private static DatumWriter<Object> writerFor(Schema schema) {
        // SpecificData of the class's own loader, so generated classes from any module resolve.
        Class<?> generated = SpecificData.get().getClass(schema);
        if (generated != null && SpecificRecord.class.isAssignableFrom(generated))
            return new PrimitiveArrays.Specific<>(schema, SpecificData.getForClass(generated));
        return new PrimitiveArrays.Generic<>(schema, GenericData.get());
    }

    /**
     * A thread's output buffer and buffered encoder, kept between records: a 4 KB sample used to grow a fresh
     * 256-byte stream five times, through ByteArrayOutputStream's synchronized writes.
     */
    private static final class Encoding {
        final Output out = new Output();
        BinaryEncoder encoder;
    }

    /** An unsynchronized growable byte array; shrinks back after an unusually large record. */
    private static final class Output extends OutputStream {
        private static final int INITIAL = 4096;
        private static final int KEEP = 1 << 20;
        private byte[] bytes = new byte[INITIAL];
        private int size;

        void reset() { size = 0; }

        @Override public void write(int b) {
            if (size == bytes.length) bytes = Arrays.copyOf(bytes, bytes.length * 2);
            bytes[size++] = (byte) b;
        }

        @Override public void write(byte[] b, int off, int len) {
            if (size + len > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(size + len, bytes.length * 2));
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        byte[] toByteArrayAndTrim() {
            byte[] copy = Arrays.copyOf(bytes, size);
            if (bytes.length > KEEP) bytes = new byte[INITIAL];
            return copy;
        }
    }

    /** Re-reads the record as {@code target} so it is written with the subject's latest schema (use.latest.version). */
    private Object convert(T data, Schema target, String subject) {
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(target, data.getSchema());
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE)
            throw new IncompatibleSchemaException("use.latest.version: the latest schema of " + subject
                    + " cannot read a " + data.getSchema().getFullName() + ": " + compatibility.getDescription());
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
            writers.computeIfAbsent(data.getSchema(), AvroSerializer::writerFor).write(data, encoder);
            encoder.flush();
            return new GenericDatumReader<>(data.getSchema(), target, GenericData.get())
                    .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        } catch (IOException e) {
            throw new SerializationException("Could not convert a " + data.getSchema().getFullName() + " to the latest schema of " + subject, e);
        }
    }

    private <R> R registryCall(java.util.function.Supplier<R> call, String subject, Schema schema) {
        try {
            return call.get();
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.INCOMPATIBLE_SCHEMA)
                throw new IncompatibleSchemaException("Schema " + schema.getFullName() + " was refused for subject "
                        + subject + ": " + e.registryMessage(), e);
            if (!autoRegister && (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND || e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND))
                throw new SerializationException("Schema " + schema.getFullName() + " is not registered under subject "
                        + subject + " and auto.register.schemas is false: " + e.registryMessage(), e);
            throw e;
        }
    }

    @Override public void close() {
        if (ownsClient && client != null) client.close();
    }
}
