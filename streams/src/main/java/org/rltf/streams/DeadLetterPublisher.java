package org.rltf.streams;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.rltf.kernel.DeadLetters;
import org.rltf.schemas.Topics;

/**
 * Writes a run's dead letters for the Streams exception handlers with a producer of its own ({@link DeadLetters}):
 * Kafka Streams 4.1's handlers can only answer CONTINUE or FAIL, they cannot hand back records to produce. Each
 * send waits for the broker's acknowledgement (through outages), so a record is never skipped before its dead letter
 * is durable. The dead letter is outside the Streams transaction, so an aborted task or a restarted learner
 * processes the record again: {@link DeadLetters} then finds the dead letter a buffer of the run already wrote and
 * writes none (exactly one per record). The producer is created on the first dead letter, so a healthy run opens no
 * extra connection.
 *
 * <p>Exception handlers have no close(): {@link OnlineBuffer} owns its publisher, registers it under an id that
 * the handlers find in their config, and closes it with the Kafka Streams instance.
 */
final class DeadLetterPublisher implements AutoCloseable {
    private static final Map<String, DeadLetterPublisher> REGISTERED = new ConcurrentHashMap<>();

    private final Topics topics;
    private final String service;
    private final Map<String, Object> config;
    private DeadLetters deadLetters;

    DeadLetterPublisher(String run, String service, Map<String, ?> clientConfig) {
        this.topics = Topics.forRun(run);
        this.service = service;
        this.config = new HashMap<>(clientConfig);
    }

    static void register(String id, DeadLetterPublisher publisher) { REGISTERED.put(id, publisher); }

    static DeadLetterPublisher registered(String id) { return id == null ? null : REGISTERED.get(id); }

    static void unregister(String id) { REGISTERED.remove(id); }

    String run() { return topics.run(); }

    /**
     * Publishes the dead letter of the record read at topic/partition/offset with event time {@code timestamp}
     * and waits for the acknowledgement; false when a buffer of the run had dead-lettered it already. Throws if it
     * could not be written.
     */
    synchronized boolean publish(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                                 String reason, Throwable error) {
        if (deadLetters == null) deadLetters = DeadLetters.create(config, service);
        ConsumerRecord<byte[], byte[]> rejected = new ConsumerRecord<>(topic == null ? "" : topic, partition, offset,
                timestamp, TimestampType.CREATE_TIME, key == null ? -1 : key.length, value == null ? -1 : value.length,
                key, value, new RecordHeaders(), Optional.empty());
        boolean sent = deadLetters.publish(topics, rejected, reason, error) != DeadLetters.ALREADY_DEAD_LETTERED;
        deadLetters.flush();
        return sent;
    }

    @Override
    public synchronized void close() {
        if (deadLetters != null) deadLetters.close();
        deadLetters = null;
    }
}
