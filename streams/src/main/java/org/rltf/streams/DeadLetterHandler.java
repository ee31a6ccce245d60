package org.rltf.streams;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.rltf.kernel.DeadLetters;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input must not stop the buffer, and must not be lost: a record that cannot be deserialized (any
 * {@link SerializationException}: not the wire format, unknown schema id, garbled Avro), a feedback record without
 * a value, or a sample/feedback pair that cannot be rewarded ({@link InvalidEventException} from {@link Rewards}:
 * mismatched per-token arrays, feedback of another sample, a FAILURE with no tests) goes to the run's dead-letter
 * topic with the reason (bounded, {@link DeadLetters#bound}), once, and processing continues. A sample that cannot
 * be deserialized is the one exception: the grader dead-letters it (see {@link #handle(ErrorHandlerContext,
 * ConsumerRecord, Exception)}), so the buffer skips it with a log line. Anything else (an unreachable schema registry, a bug) is not the record's fault and fails
 * the application rather than discarding good data. That includes {@link IllegalArgumentException}: the JDK and
 * our own code throw it for programming errors, and a bug that dead-lettered every record would look like a
 * healthy buffer with an empty stream.
 *
 * <p>Configured through the Streams config: {@value #RUN_CONFIG} names the run; {@value #PUBLISHER_CONFIG} the
 * publisher {@link OnlineBuffer} registered (without one, the handler makes its own from the config's
 * bootstrap.servers and schema.registry.url, and never closes it, since handlers have no close()).
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    public static final String RUN_CONFIG = "rltf.dead.letter.run";
    static final String PUBLISHER_CONFIG = "rltf.dead.letter.publisher";

    private DeadLetterPublisher publisher;

    @Override
    public void configure(Map<String, ?> configs) {
        DeadLetterPublisher registered = DeadLetterPublisher.registered((String) configs.get(PUBLISHER_CONFIG));
        if (registered != null) {
            publisher = registered;
            return;
        }
        Object run = configs.get(RUN_CONFIG);
        if (!(run instanceof String s) || s.isEmpty())
            throw new ConfigException(RUN_CONFIG, run, "the run whose dead-letter topic receives bad records is required");
        Object app = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        publisher = new DeadLetterPublisher(s, "streams/" + app, configs);
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        if (!(exception instanceof SerializationException)) {
            log.error("Cannot deserialize record {}-{}@{} and it is not the record's fault; failing", record.topic(),
                    record.partition(), record.offset(), exception);
            return DeserializationHandlerResponse.FAIL;
        }
        String reason = "Cannot deserialize " + (record.value() == null ? "key" : "record") + " of " + record.topic()
                + ": " + describe(exception);
        if (isSamples(record.topic())) {
            // The grader reads every sample too, and dead-letters one it cannot read in the transaction that commits
            // past it; such a sample never gets feedback to join. A second dead letter would only repeat that one.
            log.info("Skipping {}-{}@{}, which the grader dead-letters: {}", record.topic(), record.partition(),
                    record.offset(), DeadLetters.bound(reason));
            return DeserializationHandlerResponse.CONTINUE;
        }
        return send(record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(),
                record.value(), reason, exception)
                ? DeserializationHandlerResponse.CONTINUE : DeserializationHandlerResponse.FAIL;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (!(exception instanceof InvalidEventException)) {
            log.error("Processing failed in {} for {}-{}@{} and it is not the record's fault; failing",
                    context.processorNodeId(), context.topic(), context.partition(), context.offset(), exception);
            return ProcessingHandlerResponse.FAIL;
        }
        String reason = "Rejected by " + context.processorNodeId() + ": " + describe(exception);
        return send(context.topic(), context.partition(), context.offset(), context.timestamp(),
                context.sourceRawKey(), context.sourceRawValue(), reason, exception)
                ? ProcessingHandlerResponse.CONTINUE : ProcessingHandlerResponse.FAIL;
    }

    private static boolean isSamples(String topic) {
        return Topics.parse(topic).map(t -> t.samples().equals(topic)).orElse(false);
    }

    private boolean send(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                         String reason, Exception error) {
        try {
            if (publisher.publish(topic, partition, offset, timestamp, key, value, reason, error))
                log.warn("Sent {}-{}@{} to the dead-letter topic of run {}: {}", topic, partition, offset,
                        publisher.run(), DeadLetters.bound(reason));
            else
                log.info("Skipping {}-{}@{} again (dead-lettered already): {}", topic, partition, offset,
                        DeadLetters.bound(reason));
            return true;
        } catch (Exception e) {
            log.error("Could not write the dead letter of {}-{}@{} ({}); failing so the record is not lost", topic,
                    partition, offset, DeadLetters.bound(reason), e);
            return false;
        }
    }

    static String describe(Throwable error) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (b.length() > 0) b.append(" <- caused by ");
            b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }
}
