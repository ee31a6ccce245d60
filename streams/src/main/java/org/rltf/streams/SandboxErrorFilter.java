package org.rltf.streams;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.schemas.InvalidEventException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops SANDBOX_ERROR feedback before the join: a grader failure is never a reward (RLTF-METHOD.md section 1). A
 * record without a value is rejected ({@link InvalidEventException}), so {@link DeadLetterHandler} dead-letters it.
 * Each one is counted per problem in a store, so the buffer can report how many samples the sandbox lost
 * ({@link OnlineBuffer#sandboxErrors()}) and a count survives restarts through the store's changelog.
 */
final class SandboxErrorFilter implements FixedKeyProcessor<String, Feedback, Feedback> {
    private static final Logger log = LoggerFactory.getLogger(SandboxErrorFilter.class);

    private final String storeName;
    private FixedKeyProcessorContext<String, Feedback> context;
    private KeyValueStore<String, Long> counts;

    SandboxErrorFilter(String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Feedback> context) {
        this.context = context;
        this.counts = context.getStateStore(storeName);
    }

    @Override
    public void process(FixedKeyRecord<String, Feedback> record) {
        Feedback feedback = record.value();
        // A tombstone carries no verdict: the join would drop it without a word, so it is dead-lettered here.
        if (feedback == null)
            throw new InvalidEventException("Null value (tombstone) on " + context.recordMetadata().map(m -> m.topic())
                    .orElse("feedback") + ", where every record must carry a Feedback event");
        if (feedback.getOutcome() == Outcome.SANDBOX_ERROR) {
            String problem = feedback.getProblemId();
            Long before = counts.get(problem);
            counts.put(problem, before == null ? 1L : before + 1);
            log.debug("Dropped SANDBOX_ERROR feedback of sample {} ({}): {}", feedback.getSampleId(), problem,
                    feedback.getErrorMessage());
            return;
        }
        context.forward(record);
    }
}
