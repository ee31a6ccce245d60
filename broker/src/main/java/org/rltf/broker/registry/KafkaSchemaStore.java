package org.rltf.broker.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.TopicAdmin;
import org.rltf.schemas.serde.CompatibilityLevel;
import org.rltf.schemas.serde.RegisteredSchema;
import org.rltf.schemas.serde.RegistryState;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state as the fold of a compacted Kafka topic ({@code _schemas}), in Confluent Schema Registry's
 * record format: a JSON key ({@code keytype} SCHEMA with subject and version, or CONFIG with an optional subject)
 * and a JSON value (the schema, its id and version; or a compatibility level; null deletes a subject's level).
 *
 * <p>Every operation runs through {@link #atomically}: under one lock, after reading the topic to its current end.
 * A write is produced, acknowledged, and then read back from the topic before it returns, so the in-memory
 * {@link RegistryState} only ever holds what the topic holds. So ids survive restarts, and a second store on the
 * same topic sees the first one's schemas. Two stores writing at the same moment could both hand out the same id
 * (Confluent elects a leader for this); run one writer per cluster.
 */
final class KafkaSchemaStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final TopicPartition partition;
    private final Duration timeout;
    private final RegistryState state;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Object lock = new Object();
    private boolean closed;

    private KafkaSchemaStore(SchemaRegistryConfig config, KafkaProducer<byte[], byte[]> producer,
                             KafkaConsumer<byte[], byte[]> consumer) {
        this.partition = new TopicPartition(config.topic(), 0);
        this.timeout = Duration.ofMillis(config.timeoutMs());
        this.state = new RegistryState(config.compatibilityLevel());
        this.producer = producer;
        this.consumer = consumer;
    }

    /** Creates the topic if it is missing (one partition, compacted) and reads it to its end. */
    static KafkaSchemaStore open(SchemaRegistryConfig config) {
        Map<String, Object> clients = config.storeClients();
        try (Admin admin = Admin.create(ClientConfigs.admin(clients, null))) {
            TopicAdmin.createIfMissing(admin, List.of(new NewTopic(config.topic(), Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientConfigs.producer(clients,
                "schema-registry-store", Map.of(ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0)),
                new ByteArraySerializer(), new ByteArraySerializer());
        // The consumer prefetches after each poll, and the broker answers one request per connection at a time:
        // with the default 500 ms long poll, the next request's end-offset lookup would wait behind it.
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientConfigs.consumer(clients,
                "schema-registry-reader", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaSchemaStore store = new KafkaSchemaStore(config, producer, consumer);
        try {
            consumer.assign(List.of(store.partition));
            consumer.seekToBeginning(List.of(store.partition));
            synchronized (store.lock) {
                store.catchUp();
            }
            return store;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            consumer.close();
            throw e;
        }
    }

    String topic() { return partition.topic(); }

    /**
     * Runs {@code operation} under the store's lock, after reading the topic to its current end; 503 once the store
     * is closed. Every read of {@link #state()} and every write happens inside one.
     */
    <T> T atomically(Supplier<T> operation) {
        synchronized (lock) {
            if (closed) throw new SchemaRegistryException(503, 50003, "Schema registry is shutting down");
            catchUp();
            return operation.get();
        }
    }

    /** The state the topic holds (read it inside {@link #atomically}). */
    RegistryState state() { return state; }

    /** Registers {@code schema} under {@code subject} (a no-op if it is there already): its id and version. */
    RegisteredSchema register(String subject, Schema schema) {
        RegistryState.Registration registration = state.prepare(subject, schema);
        RegisteredSchema r = registration.schema();
        if (registration.isNew()) {
            write(schemaKey(subject, r.version()), NODES.objectNode().put("subject", subject).put("version", r.version())
                    .put("id", r.id()).put("schema", r.schema().toString()).put("deleted", false));
        }
        return r;
    }

    /** Sets the compatibility level of {@code subject}, or the global one for null. */
    void setCompatibility(String subject, CompatibilityLevel level) {
        write(configKey(subject), NODES.objectNode().put("compatibilityLevel", level.name()));
    }

    /** Drops {@code subject}'s own level (a tombstone), so the global one applies again. */
    void clearCompatibility(String subject) {
        write(configKey(subject), null);
    }

    /** Reads the topic up to its current end, applying each record. Caller holds the lock. */
    private void catchUp() {
        Long end = consumer.endOffsets(Set.of(partition), timeout).get(partition);
        catchUpTo(end == null ? 0 : end);
    }

    private void catchUpTo(long offset) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition, timeout) < offset) {
            if (System.nanoTime() > deadline)
                throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR,
                        "Timed out reading " + topic() + " up to offset " + offset);
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) apply(record);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.key() == null) return;
            JsonNode key = JSON.readTree(record.key());
            JsonNode value = record.value() == null ? null : JSON.readTree(record.value());
            switch (key.path("keytype").asText()) {
                case "SCHEMA" -> {
                    if (value == null || value.path("deleted").asBoolean(false)) {
                        // Deleting schemas is not supported by this registry; a foreign tombstone is skipped.
                        log.warn("Skipping deleted schema record at {}:{}", topic(), record.offset());
                        return;
                    }
                    state.apply(new RegisteredSchema(value.get("subject").asText(), value.get("version").asInt(),
                            value.get("id").asInt(), RegistryState.parse(value.get("schema").asText())));
                }
                case "CONFIG" -> {
                    String subject = key.hasNonNull("subject") ? key.get("subject").asText() : null;
                    state.applyCompatibility(subject, value == null ? null
                            : CompatibilityLevel.parse(value.get("compatibilityLevel").asText()));
                }
                default -> { } // NOOP, MODE, DELETE_SUBJECT...: nothing this registry keeps
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Skipping unreadable record at {}:{}: {}", topic(), record.offset(), e.toString());
        }
    }

    /** Appends a record, waits for the acknowledgement, and reads up to it so the state includes it. */
    private void write(ObjectNode key, ObjectNode value) {
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(partition.topic(), partition.partition(),
                            JSON.writeValueAsBytes(key), value == null ? null : JSON.writeValueAsBytes(value)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            catchUpTo(metadata.offset() + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR, "Interrupted writing to " + topic(), e);
        } catch (ExecutionException | TimeoutException | JsonProcessingException | KafkaException e) {
            throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR,
                    "Error in the backend data store " + topic() + ": " + e, e);
        }
    }

    private static ObjectNode schemaKey(String subject, int version) {
        return NODES.objectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
    }

    private static ObjectNode configKey(String subject) {
        ObjectNode key = NODES.objectNode().put("keytype", "CONFIG");
        if (subject == null) key.putNull("subject"); else key.put("subject", subject);
        return key.put("magic", 0);
    }

    /** Refuses every operation from now on (503), once the one in hand is done, then closes the clients. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
