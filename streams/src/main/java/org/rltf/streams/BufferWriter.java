package org.rltf.streams;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.rltf.events.Experience;

/**
 * Puts each experience into the windowed buffer store at its event time (the window start is the record
 * timestamp), keyed by sample id, and passes it on to the experience topic: one serialization, as the experience
 * topic's record, for both. The store's retention is the buffer horizon: it drops experiences older than that in
 * stream time.
 */
final class BufferWriter implements FixedKeyProcessor<String, Experience, byte[]> {
    private final String topic;
    private final Serializer<Experience> serializer;
    private FixedKeyProcessorContext<String, byte[]> context;
    private WindowStore<String, byte[]> store;

    BufferWriter(String topic, Serializer<Experience> serializer) {
        this.topic = topic;
        this.serializer = serializer;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(BufferTopology.STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, Experience> record) {
        byte[] bytes = serializer.serialize(topic, record.headers(), record.value());
        store.put(record.key(), bytes, record.timestamp());
        context.forward(record.withValue(bytes));
    }
}
