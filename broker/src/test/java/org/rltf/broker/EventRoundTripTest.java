package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.Evaluation;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.CachedSchemaRegistryClient;
import org.rltf.schemas.serde.SchemaRegistryClient;

/**
 * Every event type through the real broker and the real registry: written by one producer with its serdes, read
 * back in another consumer group by serdes with a fresh registry client (so the writer schemas come from the
 * registry over HTTP, not from a cache), and equal to what was sent.
 */
@ExtendWith(KafkaExtension.class)
class EventRoundTripTest {

    @Test void everyEventTypeRoundTrips(KafkaEnv env) throws Exception {
        String run = env.createRun("round-trip");
        Topics topics = Topics.forRun(run);
        Map<String, SpecificRecord> byTopic = new LinkedHashMap<>();
        byTopic.put(topics.problems(), Events.problem(run));
        byTopic.put(topics.samples(), Events.sample(run));
        byTopic.put(topics.feedback(), Events.feedback(run));
        byTopic.put(topics.experience(), Events.experience(run));
        byTopic.put(topics.checkpoints(), Events.checkpoint(run));
        byTopic.put(topics.learnerSteps(), Events.learnerStep(run));
        byTopic.put(topics.evaluations(), Events.evaluation(run));
        byTopic.put(topics.deadLetter(), Events.deadLetter(run));
        Map<String, Class<? extends SpecificRecord>> types = Map.of(
                topics.problems(), Problem.class, topics.samples(), Sample.class, topics.feedback(), Feedback.class,
                topics.experience(), Experience.class, topics.checkpoints(), Checkpoint.class,
                topics.learnerSteps(), LearnerStep.class, topics.evaluations(), Evaluation.class,
                topics.deadLetter(), DeadLetter.class);

        Map<String, Object> producerConfig = env.clientConfig();
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (var e : byTopic.entrySet()) {
                byte[] value = serialize(types.get(e.getKey()), e.getKey(), e.getValue(), env.clientConfig());
                producer.send(new ProducerRecord<>(e.getKey(), "key-" + e.getValue().getSchema().getName(), value)).get();
            }
        }

        // A fresh client: nothing cached from the writer side.
        Map<String, SpecificRecord> received = new HashMap<>();
        try (SchemaRegistryClient registry = new CachedSchemaRegistryClient(env.schemaRegistryUrl());
             KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(env.consumerConfig("round-trip-reader-" + run),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(new ArrayList<>(byTopic.keySet()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Class<? extends SpecificRecord> type = types.get(r.topic());
                    assertThat(r.key()).isEqualTo("key-" + type.getSimpleName());
                    received.put(r.topic(), deserialize(type, r.topic(), r.value(), registry, env.clientConfig()));
                }
                return received.size() == byTopic.size();
            });
        }
        for (var e : byTopic.entrySet()) {
            assertThat(received.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        // The subjects follow the topic names, one per topic.
        try (SchemaRegistryClient registry = new CachedSchemaRegistryClient(env.schemaRegistryUrl())) {
            for (String topic : byTopic.keySet()) assertThat(registry.getSubjects()).contains(topic + "-value");
        }
    }

    private static <T extends SpecificRecord> byte[] serialize(Class<T> type, String topic, SpecificRecord value, Map<String, Object> config) {
        try (Serde<T> serde = AvroSerdes.serde(type, config, false)) {
            return serde.serializer().serialize(topic, type.cast(value));
        }
    }

    private static <T extends SpecificRecord> T deserialize(Class<T> type, String topic, byte[] bytes,
                                                            SchemaRegistryClient registry, Map<String, Object> config) {
        Serde<T> serde = AvroSerdes.serde(type, registry, config, false);
        return serde.deserializer().deserialize(topic, bytes);
    }
}
