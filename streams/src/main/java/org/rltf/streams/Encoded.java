package org.rltf.streams;

import java.util.Objects;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An event together with the record bytes it was decoded from. The join stores each sample in its window store
 * until its feedback arrives; with a typed serde it would encode the sample it had just decoded back into the same
 * bytes (a 256-token sample is about 4 KB of ids, offsets and log-probs: the largest single Avro cost of the
 * buffer's stream thread). Carrying the source bytes, the store's serializer hands them back unchanged.
 *
 * @param bytes the record value as read (Confluent wire format: schema id, then the Avro body); never copied
 * @param value the event decoded from {@code bytes}
 */
record Encoded<T>(byte[] bytes, T value) {
    Encoded {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(value, "value");
    }

    /**
     * A serde of {@code Encoded<T>} over {@code events}: deserializing decodes with {@code events} (so a malformed
     * record fails exactly as it would there) and keeps the bytes; serializing returns the kept bytes. A tombstone
     * stays null both ways.
     */
    static <T> Serde<Encoded<T>> serde(Serde<T> events) {
        Deserializer<T> decoder = events.deserializer();
        Serializer<Encoded<T>> serializer = (topic, encoded) -> encoded == null ? null : encoded.bytes();
        Deserializer<Encoded<T>> deserializer = (topic, bytes) -> {
            if (bytes == null) return null;
            T value = decoder.deserialize(topic, bytes);
            return value == null ? null : new Encoded<>(bytes, value);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
