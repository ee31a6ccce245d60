package org.rltf.kernel;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.serde.AvroDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop services share: polls raw bytes, deserializes each record itself, hands good ones to a
 * {@link Handler}, and sends every record that cannot be read (or that the handler rejects with
 * {@link InvalidEventException}) to its run's dead-letter topic with the reason, then carries on.
 *
 * <p>At-least-once: after each poll's records are handled, the dead letters are flushed and the offsets committed
 * (auto-commit is turned off); a commit the group refuses after a rebalance is logged, and those records come again.
 * An exception from the handler other than {@link InvalidEventException} stops
 * {@link #poll}/{@link #run} without committing that batch, so the records are read again after a restart.
 *
 * <p>Like {@link KafkaConsumer}, not thread-safe: poll and close from one thread; {@link #stop()} may be called
 * from any thread.
 */
public final class EventConsumer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventConsumer.class);

    @FunctionalInterface
    public interface Handler<K, V> {
        void handle(ConsumerRecord<K, V> record) throws Exception;
    }

    /** What one {@link #poll} did. */
    public record PollResult(int delivered, int deadLettered) {
        public int total() { return delivered + deadLettered; }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RecordDecoder<K, V> decoder;
    private final DeadLetters deadLetters;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private EventConsumer(Map<String, ?> config, String service, Deserializer<K> keys, Deserializer<V> values,
                          Collection<String> topics) {
        if (!config.containsKey(ConsumerConfig.GROUP_ID_CONFIG))
            throw new ConfigException(ConsumerConfig.GROUP_ID_CONFIG, null, "EventConsumer needs a consumer group");
        this.keys = keys;
        this.values = values;
        Map<String, Object> consumerConfig = ClientConfigs.consumer(config, null,
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.CLIENT_ID_CONFIG, service.replaceAll("[^A-Za-z0-9._-]", "-") + "-consumer",
                        ConsumerConfig.GROUP_ID_CONFIG, config.get(ConsumerConfig.GROUP_ID_CONFIG)));
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        DeadLetters letters = null;
        try {
            letters = DeadLetters.create(config, service);
            this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (RuntimeException e) {
            if (letters != null) letters.close();
            Utils.closeQuietly(keys, "key deserializer");
            Utils.closeQuietly(values, "value deserializer");
            throw e;
        }
        this.deadLetters = letters;
        this.decoder = new RecordDecoder<>(keys, values);
        consumer.subscribe(List.copyOf(topics));
    }

    /**
     * Consumes {@code topics} with String keys and {@code type} values (a generated event class). {@code config}
     * needs {@code bootstrap.servers}, {@code schema.registry.url} and {@code group.id}; any other consumer or serde
     * key in it applies. {@code service} names this instance in its dead letters.
     */
    public static <V extends SpecificRecord> EventConsumer<String, V> create(Map<String, ?> config, String service,
                                                                           Class<V> type, Collection<String> topics) {
        AvroDeserializer<V> values = new AvroDeserializer<>(type);
        values.configure(new HashMap<>(config), false);
        return new EventConsumer<>(config, service, new StringDeserializer(), values, topics);
    }

    /** With any deserializers (configured; closed with this consumer). */
    public static <K, V> EventConsumer<K, V> create(Map<String, ?> config, String service, Deserializer<K> keys,
                                                    Deserializer<V> values, Collection<String> topics) {
        return new EventConsumer<>(config, service, Objects.requireNonNull(keys), Objects.requireNonNull(values), topics);
    }

    /** Polls once, handles what came, dead-letters what could not be read, commits. */
    public PollResult poll(Duration timeout, Handler<K, V> handler) throws Exception {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        if (records.isEmpty()) return new PollResult(0, 0);
        int delivered = 0;
        int dead = 0;
        for (ConsumerRecord<byte[], byte[]> raw : records) {
            RecordDecoder.Decoded<K, V> decoded = decoder.decode(raw);
            if (decoded instanceof RecordDecoder.Good<K, V> good) {
                try {
                    handler.handle(good.record());
                    delivered++;
                } catch (InvalidEventException e) {
                    deadLetter(raw, "Rejected by " + deadLetters.service() + ": " + e.getMessage(), e);
                    dead++;
                }
            } else {
                RecordDecoder.Bad<K, V> bad = (RecordDecoder.Bad<K, V>) decoded;
                deadLetter(raw, bad.reason(), bad.error());
                dead++;
            }
        }
        if (dead > 0) deadLetters.flush();
        try {
            consumer.commitSync();
        } catch (CommitFailedException e) {
            // The group moved the partitions on while the batch was handled (a handler slower than the group's
            // patience, a machine too loaded to heartbeat). At-least-once holds: the next poll rejoins and the
            // uncommitted records are delivered again, here or to the member that took them over.
            log.warn("{}: the offsets of {} handled records were not committed ({}); they will be delivered again",
                    deadLetters.service(), records.count(), e.getMessage());
        }
        return new PollResult(delivered, dead);
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> raw, String reason, Throwable error) {
        log.warn("Dead-lettering {}-{}@{}: {}", raw.topic(), raw.partition(), raw.offset(), reason);
        deadLetters.publish(raw, reason, error);
    }

    /** Polls until {@link #stop()} is called (from any thread). */
    public void run(Handler<K, V> handler) throws Exception {
        try {
            while (!stopped.get()) poll(Duration.ofMillis(500), handler);
        } catch (WakeupException e) {
            if (!stopped.get()) throw e;
        }
    }

    /** Makes {@link #run} return soon; safe from any thread. */
    public void stop() {
        stopped.set(true);
        consumer.wakeup();
    }

    /** The per-record logic, for services with their own poll loop. */
    public RecordDecoder<K, V> decoder() { return decoder; }

    @Override public void close() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(30)));
        } finally {
            deadLetters.close();
            Utils.closeQuietly(keys, "key deserializer");
            Utils.closeQuietly(values, "value deserializer");
        }
    }
}
