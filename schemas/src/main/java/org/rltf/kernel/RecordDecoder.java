package org.rltf.kernel;

import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.rltf.schemas.serde.SchemaRegistryException;

/**
 * "Deserialize or dead-letter", for one raw record: the logic {@link EventConsumer} runs per record, exposed for
 * services with their own poll loop (a transactional service sends the dead letter in its transaction).
 *
 * <p>A record is bad when its value is null, or its key or value fails to deserialize (wrong magic byte, unknown
 * schema id, truncated or garbled Avro, a writer schema the reader cannot resolve). A schema registry that cannot
 * be reached is not the record's fault: that {@link SchemaRegistryException} propagates, nothing is dead-lettered.
 */
public final class RecordDecoder<K, V> {
    private final Deserializer<K> keys;
    private final Deserializer<V> values;

    /** Uses configured deserializers (and does not close them). */
    public RecordDecoder(Deserializer<K> keys, Deserializer<V> values) {
        this.keys = Objects.requireNonNull(keys);
        this.values = Objects.requireNonNull(values);
    }

    /** The outcome for one record: {@link Good} or {@link Bad}. */
    public sealed interface Decoded<K, V> permits Good, Bad {
        ConsumerRecord<byte[], byte[]> raw();
    }

    public record Good<K, V>(ConsumerRecord<byte[], byte[]> raw, ConsumerRecord<K, V> record) implements Decoded<K, V> {
    }

    public record Bad<K, V>(ConsumerRecord<byte[], byte[]> raw, String reason, Throwable error) implements Decoded<K, V> {
    }

    public Decoded<K, V> decode(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.value() == null)
            return new Bad<>(raw, "Null value (tombstone) on " + raw.topic() + ", where every record must carry an event", null);
        K key;
        try {
            key = keys.deserialize(raw.topic(), raw.headers(), raw.key());
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (SerializationException | IllegalArgumentException e) {
            return new Bad<>(raw, "Key could not be deserialized: " + e.getMessage(), e);
        }
        V value;
        try {
            value = values.deserialize(raw.topic(), raw.headers(), raw.value());
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (SerializationException e) {
            return new Bad<>(raw, e.getMessage(), e);
        } catch (RuntimeException e) {
            // Avro and user deserializers throw other runtime exceptions for bytes they cannot read.
            return new Bad<>(raw, "Value could not be deserialized: " + e, e);
        }
        ConsumerRecord<K, V> record = new ConsumerRecord<>(raw.topic(), raw.partition(), raw.offset(), raw.timestamp(),
                raw.timestampType(), raw.serializedKeySize(), raw.serializedValueSize(), key, value, raw.headers(),
                raw.leaderEpoch());
        return new Good<>(raw, record);
    }

    /**
     * The decoded record, or empty after sending the bad one to its run's dead-letter topic through
     * {@code deadLetters} (not flushed: flush before committing the offset past it).
     */
    public Optional<ConsumerRecord<K, V>> decodeOrDeadLetter(ConsumerRecord<byte[], byte[]> raw, DeadLetters deadLetters) {
        Decoded<K, V> decoded = decode(raw);
        if (decoded instanceof Good<K, V> good) return Optional.of(good.record());
        Bad<K, V> bad = (Bad<K, V>) decoded;
        deadLetters.publish(raw, bad.reason(), bad.error());
        return Optional.empty();
    }
}
