package org.rltf.schemas.serde;

import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for the generated event classes, in Confluent's wire format. */
public final class AvroSerdes {
    private AvroSerdes() {
    }

    /**
     * A configured serde for {@code type} (e.g. {@code Sample.class}); {@code config} needs
     * {@code schema.registry.url} (see {@link AvroSerdeConfig}). Serializer and deserializer share one registry
     * client.
     */
    public static <T extends SpecificRecord> Serde<T> serde(Class<T> type, Map<String, ?> config, boolean isKey) {
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        Serde<T> serde = serde(type, client, config, isKey);
        // The serde owns the client it made: close it with the serde.
        return new Serdes.WrapperSerde<>(serde.serializer(), serde.deserializer()) {
            @Override public void close() {
                super.close();
                client.close();
            }
        };
    }

    /** A configured serde for {@code type} using (and not closing) {@code client}. */
    public static <T extends SpecificRecord> Serde<T> serde(Class<T> type, SchemaRegistryClient client, Map<String, ?> config, boolean isKey) {
        AvroSerializer<T> serializer = new AvroSerializer<>(client);
        serializer.configure(config, isKey);
        AvroDeserializer<T> deserializer = new AvroDeserializer<>(type, client);
        deserializer.configure(config, isKey);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
