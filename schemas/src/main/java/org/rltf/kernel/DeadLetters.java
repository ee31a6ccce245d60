package org.rltf.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.rltf.events.DeadLetter;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes records a service could not use to the run's dead-letter topic: a {@link DeadLetter} event keyed by
 * the original key bytes, holding the original value bytes, where they were read (topic, partition, offset), why
 * they were rejected (at most {@value #MAX_REASON_CHARS} characters: a schema mismatch's message holds two whole
 * schemas) and by whom. The dead letter's timestamp is the original record's (event time, not the wall clock), so a
 * replay writes the same dead letters. Two headers repeat the service and the position
 * ({@value #SERVICE_HEADER}, {@value #SOURCE_HEADER}), so a reader can index dead letters without the registry.
 *
 * <p><b>Exactly one per consuming service.</b> A transactional service builds one on its own transactional
 * {@code Producer<byte[], byte[]>} and sends {@link #toProducerRecord} in the transaction that commits the consumed
 * offsets: one dead letter per record, whichever instance and however often it restarted. A service without a
 * transaction ({@link #create}) re-reads its inputs after a restart (and Kafka Streams re-processes after an aborted
 * task), so it would write the same dead letter again: before its first dead letter it reads the run's dead-letter
 * topic once, and skips every record that a service of its kind (the part of the service name before '/',
 * "generator" for "generator/gen-0") has already dead-lettered.
 *
 * <p><b>Nothing skipped without its dead letter.</b> {@link #flush} returns only when every dead letter sent so far
 * is acknowledged, re-sending through broker outages, and throws if the broker refused one for good; a service
 * flushes before it moves past the records.
 */
public final class DeadLetters implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    /** The longest reason a dead letter carries; a longer one keeps its start and says how long it was. */
    public static final int MAX_REASON_CHARS = 1000;
    public static final String SERVICE_HEADER = "rltf.dead.letter.service";
    public static final String SOURCE_HEADER = "rltf.dead.letter.source";
    private static final Duration INDEX_TIMEOUT = Duration.ofSeconds(60);
    /** What {@link #publish} returns for a record a service of this kind dead-lettered before: nothing is sent. */
    public static final Future<RecordMetadata> ALREADY_DEAD_LETTERED = CompletableFuture.completedFuture(null);

    private final Producer<byte[], byte[]> producer;
    private final Serializer<DeadLetter> serializer;
    private final String service;
    private final boolean owned;
    /** Null for a transactional caller's instance: no index needed. */
    private final Map<String, Object> indexConfig;
    /** Dead-letter topic -> positions ("topic/partition/offset") a service of this kind dead-lettered. */
    private final Map<String, Set<String>> index = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();

    private record Pending(ProducerRecord<byte[], byte[]> record, Future<RecordMetadata> sent) {}

    /** Uses {@code producer} and {@code serializer} (configured), closing neither. */
    public DeadLetters(Producer<byte[], byte[]> producer, Serializer<DeadLetter> serializer, String service) {
        this(producer, serializer, service, false, null);
    }

    private DeadLetters(Producer<byte[], byte[]> producer, Serializer<DeadLetter> serializer, String service,
                        boolean owned, Map<String, Object> indexConfig) {
        this.producer = Objects.requireNonNull(producer);
        this.serializer = Objects.requireNonNull(serializer);
        this.service = Objects.requireNonNull(service);
        this.owned = owned;
        this.indexConfig = indexConfig;
    }

    /**
     * With its own idempotent producer ({@code acks=all}) and serializer, from {@code config}'s
     * {@code bootstrap.servers} and {@code schema.registry.url}. {@code service} names the rejecting service instance.
     * Skips records its kind of service already dead-lettered (see the class comment).
     */
    public static DeadLetters create(Map<String, ?> config, String service) {
        Map<String, Object> producerConfig = ClientConfigs.producer(config, clientId(service) + "-dead-letters",
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        producerConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        AvroSerializer<DeadLetter> serializer = new AvroSerializer<>(ClientConfigs.serde(config), false);
        try {
            return new DeadLetters(new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer()),
                    serializer, service, true, new HashMap<>(config));
        } catch (RuntimeException e) {
            serializer.close();
            throw e;
        }
    }

    public String service() { return service; }

    /** The kind of service a service name belongs to: "grader" for "grader/grader-0". */
    public static String kind(String service) {
        int slash = service.indexOf('/');
        return slash < 0 ? service : service.substring(0, slash);
    }

    /** A client id from a service name ("grader/grader-0" becomes "grader-grader-0"). */
    private static String clientId(String service) {
        return service.replaceAll("[^A-Za-z0-9._-]", "-");
    }

    /** {@code reason} cut to {@value #MAX_REASON_CHARS} characters, saying how long it was. */
    public static String bound(String reason) {
        if (reason == null || reason.length() <= MAX_REASON_CHARS) return reason;
        String tail = "... [" + reason.length() + " characters in all]";
        return reason.substring(0, MAX_REASON_CHARS - tail.length()) + tail;
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
                .setReason(bound(reason == null ? String.valueOf(error) : reason))
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
        RecordHeaders headers = new RecordHeaders();
        headers.add(SERVICE_HEADER, service.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_HEADER, position(rejected).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(target, null, timestamp, rejected.key(), serializer.serialize(target, letter), headers);
    }

    /** As {@link #toProducerRecord(Topics, ConsumerRecord, String, Throwable)} for a record read from an rltf topic (the run is taken from its name). */
    public ProducerRecord<byte[], byte[]> toProducerRecord(ConsumerRecord<byte[], byte[]> rejected, String reason, Throwable error) {
        return toProducerRecord(runOf(rejected.topic()), rejected, reason, error);
    }

    /** Sends the dead letter of {@code rejected} (read from an rltf topic) to its run's dead-letter topic. */
    public Future<RecordMetadata> publish(ConsumerRecord<byte[], byte[]> rejected, String reason, Throwable error) {
        return publish(runOf(rejected.topic()), rejected, reason, error);
    }

    /**
     * Sends the dead letter of {@code rejected}, unless a service of this kind already dead-lettered it (then it
     * returns {@link #ALREADY_DEAD_LETTERED}). Not acknowledged yet: {@link #flush} before moving past the record.
     */
    public synchronized Future<RecordMetadata> publish(Topics topics, ConsumerRecord<byte[], byte[]> rejected,
                                                       String reason, Throwable error) {
        if (indexConfig != null && !index(topics.deadLetter()).add(position(rejected))) {
            log.debug("{} already dead-lettered {}; not again", kind(service), position(rejected));
            return ALREADY_DEAD_LETTERED;
        }
        ProducerRecord<byte[], byte[]> record = toProducerRecord(topics, rejected, reason, error);
        Future<RecordMetadata> sent = producer.send(record);
        pending.add(new Pending(record, sent));
        return sent;
    }

    /**
     * Waits until every dead letter sent so far is acknowledged (before committing the offsets that skip them),
     * re-sending those an outage made fail; throws if the broker refused one for good.
     */
    public void flush() {
        Outages.retry(log, service + ": writing dead letters", this::flushOnce, () -> false);
    }

    private synchronized void flushOnce() {
        if (pending.isEmpty()) return;
        producer.flush();
        List<Pending> failed = new ArrayList<>();
        RuntimeException transientFailure = null;
        for (Pending p : pending) {
            Throwable error = failure(p.sent());
            if (error == null) continue;
            if (!Outages.isTransient(error))
                throw new KafkaException("The dead letter of " + new String(p.record().headers().lastHeader(SOURCE_HEADER)
                        .value(), StandardCharsets.UTF_8) + " was refused: " + error, error);
            failed.add(p);
            transientFailure = error instanceof RuntimeException r ? r : new KafkaException(error);
        }
        pending.clear();
        for (Pending p : failed) pending.add(new Pending(p.record(), producer.send(p.record())));
        if (transientFailure != null) throw transientFailure; // backs off, then waits for the re-sent ones
    }

    private static Throwable failure(Future<RecordMetadata> f) {
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while waiting for dead letters to be acknowledged", e);
        }
    }

    private static String position(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "/" + r.offset();
    }

    /** The positions this kind of service dead-lettered in {@code deadLetterTopic}, read once. */
    private Set<String> index(String deadLetterTopic) {
        Set<String> positions = index.get(deadLetterTopic);
        if (positions != null) return positions;
        positions = new HashSet<>();
        String kind = kind(service);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(ClientConfigs.readCommittedConsumer(indexConfig,
                clientId(service) + "-dead-letter-index"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(c, List.of(deadLetterTopic), INDEX_TIMEOUT);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions, INDEX_TIMEOUT);
            while (!Partitions.reached(c, ends)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Header who = r.headers().lastHeader(SERVICE_HEADER);
                    Header where = r.headers().lastHeader(SOURCE_HEADER);
                    if (who != null && where != null && kind(new String(who.value(), StandardCharsets.UTF_8)).equals(kind))
                        positions.add(new String(where.value(), StandardCharsets.UTF_8));
                }
            }
        }
        index.put(deadLetterTopic, positions);
        return positions;
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
