package org.rltf.streams;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.rltf.events.Experience;

/**
 * Puts each experience into the windowed buffer store at its event time (the window start is the record
 * timestamp), keyed by sample id, and passes it on to the experience topic. The store's retention is the buffer
 * horizon: it drops experiences older than that in stream time.
 */
final class BufferWriter implements FixedKeyProcessor<String, Experience, Experience> {
    private FixedKeyProcessorContext<String, Experience> context;
    private WindowStore<String, Experience> store;

    @Override
    public void init(FixedKeyProcessorContext<String, Experience> context) {
        this.context = context;
        this.store = context.getStateStore(BufferTopology.STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, Experience> record) {
        store.put(record.key(), record.value(), record.timestamp());
        context.forward(record);
    }
}
