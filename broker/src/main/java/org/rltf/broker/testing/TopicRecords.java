package org.rltf.broker.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.Sample;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Partitions;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;

/**
 * Writing and reading a run's topics in tests: events sent with String keys and the project's serde, read back
 * with {@code read_committed} from the start. One copy for every module's Kafka tests.
 */
public final class TopicRecords {
    private TopicRecords() {
    }

    /**
     * Sends {@code values} to {@code topic}, each keyed by {@code key(value)}, at event time {@code timestamp}; waits
     * for each ack. Samples and feedback go to their problem's partition ({@link Partitions#ofProblem}), as the
     * services send them; experiences too (the buffer leaves them where their sample-id key's hash puts them, and no
     * reader depends on either); other events where the key's hash puts them.
     */
    public static <V extends SpecificRecord> void send(KafkaEnv env, String topic, long timestamp,
                                                       java.util.function.Function<V, String> key, List<V> values) {
        Map<String, Object> config = ClientConfigs.producer(env.clientConfig(), "test-producer", Map.of(
                ProducerConfig.ACKS_CONFIG, "all"));
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, new StringSerializer(),
                new AvroSerializer<>(ClientConfigs.serde(env.clientConfig()), false))) {
            for (V v : values)
                producer.send(new ProducerRecord<>(topic, partition(producer, topic, v), timestamp, key.apply(v), v)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("send to " + topic + " failed", e.getCause());
        }
    }

    /** The partition of a problem's events for samples, feedback and experiences; null (the key's hash) otherwise. */
    public static Integer partition(org.apache.kafka.clients.producer.Producer<?, ?> producer, String topic,
                                    Object value) {
        String problem = value instanceof Sample s ? s.getProblemId()
                : value instanceof Feedback f ? f.getProblemId()
                : value instanceof Experience e ? e.getProblemId() : null;
        return problem == null ? null : Partitions.ofProblem(problem, producer.partitionsFor(topic).size());
    }

    /** Every committed record of {@code topic} now, in partition then offset order. */
    public static <V extends SpecificRecord> List<ConsumerRecord<String, V>> readAll(KafkaEnv env, String topic,
                                                                                     Class<V> type) {
        AvroDeserializer<V> values = new AvroDeserializer<>(type);
        values.configure(ClientConfigs.serde(env.clientConfig()), false);
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(
                ClientConfigs.readCommittedConsumer(env.clientConfig(), "test-reader"), new StringDeserializer(), values)) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(consumer, List.of(topic), Duration.ofSeconds(30));
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, V>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Partitions.reached(consumer, ends)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to " + ends);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            out.sort(java.util.Comparator.<ConsumerRecord<String, V>>comparingInt(ConsumerRecord::partition)
                    .thenComparingLong(ConsumerRecord::offset));
            return out;
        }
    }
}
