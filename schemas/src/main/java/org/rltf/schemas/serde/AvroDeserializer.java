package org.rltf.schemas.serde;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent's wire format: checks the magic byte, fetches the writer's schema by id from the registry
 * (cached), and resolves it to the reader's schema (the target class's, so older and newer compatible writers both
 * read). Every way the bytes can be wrong has its own exception: {@link WrongMagicByteException},
 * {@link UnknownSchemaIdException}, {@link MalformedRecordException} (truncated or garbled Avro, trailing bytes),
 * {@link IncompatibleSchemaException} (writer schema cannot be read as the target class). A registry that cannot
 * be reached throws {@link SchemaRegistryException}, which is not about the record.
 *
 * <p>Thread-safe.
 */
public class AvroDeserializer<T> implements Deserializer<T> {
    private final Class<T> type;
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean specificReader;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    /** Returns the class the writer's schema names (specific.avro.reader=true) or GenericRecord; {@link #configure} must follow. */
    public AvroDeserializer() {
        this.type = null;
    }

    /** Returns {@code type}, a generated Avro class; {@link #configure} must follow. */
    public AvroDeserializer(Class<T> type) {
        this.type = Objects.requireNonNull(type);
    }

    /** Returns {@code type}, using (and not closing) {@code client}. */
    public AvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        this.type = Objects.requireNonNull(type);
        this.client = Objects.requireNonNull(client);
    }

    /** Configured at once with its own registry client. */
    public AvroDeserializer(Class<T> type, Map<String, ?> config, boolean isKey) {
        this.type = Objects.requireNonNull(type);
        configure(config, isKey);
    }

    @Override public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.specificReader = config.specificAvroReader();
        if (client == null) {
            client = SchemaRegistryClient.create(config);
            ownsClient = true;
        }
    }

    @Override public T deserialize(String topic, byte[] data) {
        if (data == null) return null;
        int id = schemaId(topic, data);
        DatumReader<T> reader = readers.get(id);
        if (reader == null) {
            reader = readerFor(id, topic);
            readers.put(id, reader);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException("Record on " + topic + " with schema id " + id
                    + " is not valid Avro for that schema (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        try {
            if (!decoder.isEnd())
                throw new MalformedRecordException("Record on " + topic + " with schema id " + id
                        + " has bytes left after the end of the record", null);
        } catch (IOException e) {
            throw new MalformedRecordException("Record on " + topic + " could not be checked for trailing bytes", e);
        }
        return value;
    }

    /**
     * The schema {@code data} (a non-null record in the wire format) was written with, from the registry (whose
     * client caches it by id), for a reader that reads some of its fields itself; the Avro body starts at byte
     * {@link #HEADER_BYTES}. Throws as {@link #deserialize} does for a wrong header or an unknown id.
     */
    public Schema writerSchema(String topic, byte[] data) {
        return fetchWriter(schemaId(topic, data), topic);
    }

    /** Magic byte and schema id: where the Avro body of a record starts. */
    public static final int HEADER_BYTES = 5;

    private int schemaId(String topic, byte[] data) {
        if (client == null) throw new IllegalStateException("AvroDeserializer used before configure()");
        if (data.length == 0 || data[0] != AvroSerializer.MAGIC_BYTE)
            throw new WrongMagicByteException("Record on " + topic + " is not in the Confluent wire format: "
                    + (data.length == 0 ? "it is empty" : String.format("magic byte 0x%02x, expected 0x00", data[0] & 0xff)));
        if (data.length < HEADER_BYTES)
            throw new MalformedRecordException("Record on " + topic + " has " + data.length
                    + " bytes, fewer than the 5-byte header (magic byte + schema id)", null);
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }

    private Schema fetchWriter(int id, String topic) {
        try {
            return client.getSchemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND)
                throw new UnknownSchemaIdException(id, "Record on " + topic + " names schema id " + id
                        + ", which the registry does not have: " + e.registryMessage(), e);
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> readerFor(int id, String topic) {
        Schema writer = fetchWriter(id, topic);
        Class<?> target = type;
        if (target == null && specificReader) target = SpecificData.get().getClass(writer);
        if (target == null || !SpecificRecord.class.isAssignableFrom(target))
            return (DatumReader<T>) new GenericDatumReader<>(writer, writer, FAST_GENERIC);
        SpecificData data = fastReading(SpecificData.getForClass(target), target);
        Schema reader = data.getSchema(target);
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE)
            throw new IncompatibleSchemaException("Record on " + topic + " was written with schema id " + id
                    + " (" + writer.getFullName() + "), which " + target.getName() + " cannot read: " + compatibility.getDescription());
        return new SpecificDatumReader<>(writer, reader, data);
    }

    // Avro's FastReaderBuilder: the reader/writer resolution is planned once per schema pair instead of being walked
    // through a ResolvingDecoder for every field of every record. Same values; decoding 6,400 experiences that are
    // dropped at once (as the buffer's sources and join do) went from ~210 to ~55 ms. A snapshot, which keeps every
    // record it decodes, gained little (194 -> 188 ms at 6,400): there the boxed token lists' allocation dominates.
    // Own instances, so the shared models of the generated classes are left as they are.
    private static final GenericData FAST_GENERIC = new GenericData();
    static {
        FAST_GENERIC.setFastReaderEnabled(true);
    }

    private static final Map<Class<?>, SpecificData> FAST_SPECIFIC = new ConcurrentHashMap<>();

    private static SpecificData fastReading(SpecificData model, Class<?> target) {
        return FAST_SPECIFIC.computeIfAbsent(target, t -> {
            SpecificData fast = new SpecificData(t.getClassLoader());
            model.getConversions().forEach(fast::addLogicalTypeConversion);
            fast.setFastReaderEnabled(true);
            return fast;
        });
    }

    public Class<T> type() { return type; }

    @Override public void close() {
        if (ownsClient && client != null) client.close();
    }
}
