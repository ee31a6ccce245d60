package org.rltf.kernel;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.rltf.events.DeadLetter;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * Publishes records a service could not use to the run's dead-letter topic: a {@link DeadLetter} event keyed by
 * the original key bytes, holding the original value bytes, where they were read (topic, partition, offset), why
 * they were rejected and by whom. The dead letter's timestamp is the original record's (event time, not the
 * wall clock), so a replay writes the same dead letters.
 *
 * <p>A transactional service builds one on its own transactional {@code Producer<byte[], byte[]>} so the dead
 * letter commits with the consumed offsets, or sends {@link #toProducerRecord} itself.
 */
public final class DeadLetters implements AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final Serializer<DeadLetter> serializer;
    private final String service;
    private final boolean owned;

    /** Uses {@code producer} and {@code serializer} (configured), closing neither. */
    public DeadLetters(Producer<byte[], byte[]> producer, Serializer<DeadLetter> serializer, String service) {
        this(producer, serializer, service, false);
    }

    private DeadLetters(Producer<byte[], byte[]> producer, Serializer<DeadLetter> serializer, String service, boolean owned) {
        this.producer = Objects.requireNonNull(producer);
        this.serializer = Objects.requireNonNull(serializer);
        this.service = Objects.requireNonNull(service);
        this.owned = owned;
    }

    /**
     * With its own idempotent producer ({@code acks=all}) and serializer, from {@code config}'s
     * {@code bootstrap.servers} and {@code schema.registry.url}. {@code service} names the rejecting service instance.
     */
    public static DeadLetters create(Map<String, ?> config, String service) {
        Map<String, Object> producerConfig = ClientConfigs.producer(config, clientId(service) + "-dead-letters",
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        producerConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        AvroSerializer<DeadLetter> serializer = new AvroSerializer<>(ClientConfigs.serde(config), false);
        try {
            return new DeadLetters(new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer()),
                    serializer, service, true);
        } catch (RuntimeException e) {
            serializer.close();
            throw e;
        }
    }

    public String service() { return service; }

    /** A client id from a service name ("grader/grader-0" becomes "grader-grader-0"). */
    private static String clientId(String service) {
        return service.replaceAll("[^A-Za-z0-9._-]", "-");
    }

    /** The event for a rejected record. {@code error} may be null (e.g. a null value). */
    public DeadLetter deadLetter(String run, String topic, int partition, long offset, byte[] key, byte[] value,
                                 String reason, Throwable error) {
        return DeadLetter.newBuilder()
                .setRun(run)
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReason(reason == null ? String.valueOf(error) : reason)
                .setErrorClass(error == null ? "" : error.getClass().getName())
                .setService(service)
                .build();
    }

    /** The record to send for {@code rejected}, read from a topic of {@code topics}' run. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(Topics topics, ConsumerRecord<byte[], byte[]> rejected,
                                                           String reason, Throwable error) {
        DeadLetter letter = deadLetter(topics.run(), rejected.topic(), rejected.partition(), rejected.offset(),
                rejected.key(), rejected.value(), reason, error);
        Long timestamp = rejected.timestamp() == RecordBatch.NO_TIMESTAMP ? null : rejected.timestamp();
        String target = topics.deadLetter();
        return new ProducerRecord<>(target, null, timestamp, rejected.key(), serializer.serialize(target, letter));
    }

    /** As {@link #toProducerRecord(Topics, ConsumerRecord, String, Throwable)} for a record read from an rltf topic (the run is taken from its name). */
    public ProducerRecord<byte[], byte[]> toProducerRecord(ConsumerRecord<byte[], byte[]> rejected, String reason, Throwable error) {
        return toProducerRecord(runOf(rejected.topic()), rejected, reason, error);
    }

    /** Sends the dead letter of {@code rejected} (read from an rltf topic) to its run's dead-letter topic. */
    public Future<RecordMetadata> publish(ConsumerRecord<byte[], byte[]> rejected, String reason, Throwable error) {
        return producer.send(toProducerRecord(rejected, reason, error));
    }

    public Future<RecordMetadata> publish(Topics topics, ConsumerRecord<byte[], byte[]> rejected, String reason, Throwable error) {
        return producer.send(toProducerRecord(topics, rejected, reason, error));
    }

    /** Waits until every dead letter sent so far is acknowledged (before committing the offsets that skip them). */
    public void flush() {
        producer.flush();
    }

    private static Topics runOf(String topic) {
        return Topics.parse(topic).orElseThrow(() -> new IllegalArgumentException("'" + topic
                + "' is not an rltf topic (rltf.<run>.<name>); pass the run's Topics explicitly"));
    }

    @Override public void close() {
        if (owned) {
            producer.close(Duration.ofSeconds(30));
            serializer.close();
        }
    }
}
