package org.rltf.grader.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerdes;

/** Producing and reading a run's topics in the grader service's tests. */
final class ServiceTestKit {
    private final Map<String, Object> client;

    ServiceTestKit(Map<String, Object> clientConfig) {
        this.client = new HashMap<>(clientConfig);
    }

    static Problem assertProblem(String id, String setup, String... asserts) {
        return Problem.newBuilder()
                .setRun("")
                .setId(id)
                .setDataset("test")
                .setSplit("train")
                .setPrompt("# " + id + "\n")
                .setCodePrefix("")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setSetupCode(setup).setAsserts(List.of(asserts)).build())
                .setReferenceSolutions(List.of())
                .setTimeLimitMs(4000)
                .build();
    }

    static Sample sample(String run, String sampleId, String problemId, String completion) {
        return Sample.newBuilder()
                .setRun(run)
                .setSampleId(sampleId)
                .setProblemId(problemId)
                .setPolicyVersion(3)
                .setCompletion(completion)
                .setTokenIds(List.of())
                .setTokenStarts(List.of())
                .setTokenEnds(List.of())
                .setLogProbs(List.of())
                .setTemperature(1.0f)
                .setSeed(7)
                .setGeneratorId("test")
                .build();
    }

    /** Sends (key, value, timestamp) triples and waits for them all. */
    <T extends SpecificRecord> void send(String topic, Class<T> type, List<ProducerRecord<String, T>> records) {
        Serializer<T> serializer = AvroSerdes.serde(type, client, false).serializer();
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), serializer)) {
            for (ProducerRecord<String, T> r : records) producer.send(r);
            producer.flush();
        }
    }

    void sendProblems(String topic, Problem... problems) {
        List<ProducerRecord<String, Problem>> records = new ArrayList<>();
        for (Problem p : problems) records.add(new ProducerRecord<>(topic, p.getId(), p));
        send(topic, Problem.class, records);
    }

    void sendRaw(String topic, String key, byte[] value, long timestamp) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, timestamp, key == null ? null : key.getBytes(), value));
            producer.flush();
        }
    }

    /** Every record of {@code topic} up to its end (the last stable offset for read_committed). */
    <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(String topic, Class<T> type, boolean readCommitted) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new AvroDeserializer<>(type, client, false))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to " + end);
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** Counts the records of a topic as they arrive, from one long-lived consumer (cheaper than re-reading). */
    final class Tail implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private int count;

        Tail(String topic, boolean readCommitted) {
            Map<String, Object> c = new HashMap<>(client);
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        int count() {
            count += consumer.poll(Duration.ofMillis(20)).count();
            return count;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    Tail tail(String topic, boolean readCommitted) {
        return new Tail(topic, readCommitted);
    }

    /** True when {@code group} has committed offsets at the end of every partition of {@code topic}. */
    boolean groupCaughtUp(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> end = admin.listOffsets(partitions.stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return partitions.stream().allMatch(tp -> end.get(tp) == 0
                    || (committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp)));
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }
}
