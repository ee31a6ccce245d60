package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.DeadLetter;
import org.rltf.events.Sample;
import org.rltf.kernel.DeadLetters;
import org.rltf.kernel.EventConsumer;
import org.rltf.kernel.RecordDecoder;
import org.rltf.schemas.InvalidEventException;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.schemas.serde.MalformedRecordException;
import org.rltf.schemas.serde.UnknownSchemaIdException;
import org.rltf.schemas.serde.WrongMagicByteException;

/** Bad records end in the run's dead-letter topic with the reason; the consumer carries on. */
@ExtendWith(KafkaExtension.class)
class DeadLetterTest {

    @Test void malformedRecordsAreDeadLetteredAndGoodOnesStillDelivered(KafkaEnv env) throws Exception {
        String run = env.createRun("dead-letters");
        Topics topics = Topics.forRun(run);
        Sample good = Events.sample(run);
        Sample invalid = Sample.newBuilder(good).setSampleId("rejected-by-handler").build();
        byte[] goodBytes;
        byte[] invalidBytes;
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, env.clientConfig(), false)) {
            goodBytes = serde.serializer().serialize(topics.samples(), good);
            invalidBytes = serde.serializer().serialize(topics.samples(), invalid);
        }
        byte[] wrongMagic = goodBytes.clone();
        wrongMagic[0] = 7;
        byte[] unknownId = goodBytes.clone();
        unknownId[1] = 0x7f; // schema id 0x7f0000xx: never handed out
        byte[] truncated = Arrays.copyOf(goodBytes, goodBytes.length / 2);

        // All on partition 0 so the order (and the offsets below) is fixed.
        List<byte[]> values = Arrays.asList(wrongMagic, unknownId, truncated, null, invalidBytes, goodBytes);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(env.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++)
                producer.send(new ProducerRecord<>(topics.samples(), 0, 1_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8), values.get(i))).get();
        }

        List<Sample> delivered = new ArrayList<>();
        Map<String, Object> config = env.consumerConfig("grader-" + run);
        try (EventConsumer<String, Sample> consumer = EventConsumer.create(config, "grader-test", Sample.class, List.of(topics.samples()))) {
            int[] dead = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var result = consumer.poll(Duration.ofMillis(200), r -> {
                    if (r.value().getSampleId().equals("rejected-by-handler")) throw new InvalidEventException("sample names no known problem");
                    assertThat(r.key()).isEqualTo("k5");
                    delivered.add(r.value());
                });
                dead[0] += result.deadLettered();
                return delivered.size() + dead[0] == values.size();
            });
            assertThat(dead[0]).isEqualTo(5);
        }
        assertThat(delivered).containsExactly(good);

        List<ConsumerRecord<String, DeadLetter>> letters = readAll(env, topics.deadLetter(), 5);
        assertThat(letters).extracting(ConsumerRecord::key).containsExactly("k0", "k1", "k2", "k3", "k4");
        // Event time: the dead letter carries the rejected record's timestamp.
        assertThat(letters).extracting(ConsumerRecord::timestamp).containsExactly(1000L, 1001L, 1002L, 1003L, 1004L);
        List<DeadLetter> events = letters.stream().map(ConsumerRecord::value).toList();
        for (int i = 0; i < events.size(); i++) {
            DeadLetter d = events.get(i);
            assertThat(d.getRun()).isEqualTo(run);
            assertThat(d.getTopic()).isEqualTo(topics.samples());
            assertThat(d.getPartition()).isEqualTo(0);
            assertThat(d.getOffset()).isEqualTo(i);
            assertThat(d.getService()).isEqualTo("grader-test");
            assertThat(bytes(d.getKey())).isEqualTo(("k" + i).getBytes(StandardCharsets.UTF_8));
            assertThat(bytes(d.getValue())).isEqualTo(values.get(i));
        }
        assertThat(events.get(0).getErrorClass()).isEqualTo(WrongMagicByteException.class.getName());
        assertThat(events.get(0).getReason()).contains("magic byte 0x07");
        assertThat(events.get(1).getErrorClass()).isEqualTo(UnknownSchemaIdException.class.getName());
        assertThat(events.get(1).getReason()).contains("schema id " + (((0x7f << 24) | ((goodBytes[2] & 0xff) << 16) | ((goodBytes[3] & 0xff) << 8) | (goodBytes[4] & 0xff))));
        assertThat(events.get(2).getErrorClass()).isEqualTo(MalformedRecordException.class.getName());
        assertThat(events.get(2).getReason()).contains("not valid Avro");
        assertThat(events.get(3).getErrorClass()).isEmpty();
        assertThat(events.get(3).getReason()).contains("Null value");
        assertThat(events.get(4).getErrorClass()).isEqualTo(InvalidEventException.class.getName());
        assertThat(events.get(4).getReason()).contains("sample names no known problem");

        // Offsets were committed: the same group starts after the last record.
        try (EventConsumer<String, Sample> again = EventConsumer.create(config, "grader-test", Sample.class, List.of(topics.samples()))) {
            assertThat(again.poll(Duration.ofSeconds(2), r -> { throw new AssertionError("re-delivered " + r); }).total()).isZero();
        }
    }

    /** A transactional service dead-letters inside its own transaction, with the per-record decoder. */
    @Test void deadLettersCommitWithATransaction(KafkaEnv env) throws Exception {
        String run = env.createRun("tx-dead-letters");
        Topics topics = Topics.forRun(run);
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(env.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            plain.send(new ProducerRecord<>(topics.samples(), 0, "bad".getBytes(), new byte[] {0, 0})).get();
        }
        Map<String, Object> producerConfig = env.clientConfig();
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "grader-tx-" + run);
        Map<String, Object> consumerConfig = env.consumerConfig("grader-tx-" + run);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             AvroSerializer<DeadLetter> letterSerializer = new AvroSerializer<>(env.clientConfig(), false);
             AvroDeserializer<Sample> values = new AvroDeserializer<>(Sample.class, env.clientConfig(), false)) {
            producer.initTransactions();
            DeadLetters deadLetters = new DeadLetters(producer, letterSerializer, "grader-tx");
            RecordDecoder<String, Sample> decoder = new RecordDecoder<>(new StringDeserializer(), values);
            consumer.subscribe(List.of(topics.samples()));
            List<ConsumerRecord<byte[], byte[]>> raw = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(raw::add);
                return !raw.isEmpty();
            });
            producer.beginTransaction();
            Optional<ConsumerRecord<String, Sample>> decoded = decoder.decodeOrDeadLetter(raw.get(0), deadLetters);
            assertThat(decoded).isEmpty();
            producer.sendOffsetsToTransaction(Map.of(new org.apache.kafka.common.TopicPartition(topics.samples(), 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(raw.get(0).offset() + 1)), consumer.groupMetadata());
            producer.commitTransaction();
        }
        List<ConsumerRecord<String, DeadLetter>> letters = readAll(env, topics.deadLetter(), 1);
        assertThat(letters.get(0).value().getReason()).contains("fewer than the 5-byte header");
        assertThat(letters.get(0).value().getService()).isEqualTo("grader-tx");
    }

    private static List<ConsumerRecord<String, DeadLetter>> readAll(KafkaEnv env, String topic, int expected) {
        List<ConsumerRecord<String, DeadLetter>> records = new ArrayList<>();
        Map<String, Object> config = env.consumerConfig("reader-" + topic);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new AvroDeserializer<>(DeadLetter.class, env.clientConfig(), false))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        assertThat(records).hasSize(expected);
        return records;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) return null;
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
