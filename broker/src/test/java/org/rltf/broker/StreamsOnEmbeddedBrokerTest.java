package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Experience;
import org.rltf.events.Sample;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/**
 * The one-node broker runs an exactly-once Kafka Streams application with the project's serdes: transactions,
 * internal topics (a repartition and a changelog) and read_committed output all work with its settings.
 */
@ExtendWith(KafkaExtension.class)
class StreamsOnEmbeddedBrokerTest {

    @Test void exactlyOnceStreamsAppRuns(KafkaEnv env) throws Exception {
        String run = env.createRun("streams-eos");
        Topics topics = Topics.forRun(run);
        Map<String, Object> config = env.clientConfig();
        Path stateDir = Files.createTempDirectory("rltf-streams-test-");
        try (Serde<Sample> samples = AvroSerdes.serde(Sample.class, config, false);
             Serde<Experience> experiences = AvroSerdes.serde(Experience.class, config, false)) {
            StreamsBuilder builder = new StreamsBuilder();
            // Re-keyed by problem and counted (repartition topic + changelog), then joined back to make output.
            builder.stream(topics.samples(), Consumed.with(Serdes.String(), samples))
                    .selectKey((k, s) -> s.getProblemId())
                    .groupByKey(org.apache.kafka.streams.kstream.Grouped.with(Serdes.String(), samples))
                    .count()
                    .toStream()
                    .mapValues((problem, count) -> Experience.newBuilder(Events.experience(run)).setProblemId(problem)
                            .setPassed(count.intValue()).build())
                    .to(topics.experience(), Produced.with(Serdes.String(), experiences));
            Properties props = new Properties();
            props.putAll(config);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-" + run);
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
            try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
                streams.start();
                try (KafkaProducer<String, Sample> producer = new KafkaProducer<>(config, new StringSerializer(), samples.serializer())) {
                    for (int i = 0; i < 3; i++) {
                        Sample s = Sample.newBuilder(Events.sample(run)).setSampleId("mbpp/11@v3/0/" + i).build();
                        producer.send(new ProducerRecord<>(topics.samples(), s.getSampleId(), s)).get();
                    }
                }
                Map<String, Object> consumerConfig = env.consumerConfig("eos-reader-" + run);
                consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                List<ConsumerRecord<String, Experience>> out = new ArrayList<>();
                try (KafkaConsumer<String, Experience> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), experiences.deserializer())) {
                    consumer.subscribe(List.of(topics.experience()));
                    await().atMost(Duration.ofSeconds(90)).until(() -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                        return !out.isEmpty() && out.get(out.size() - 1).value().getPassed() == 3;
                    });
                }
                assertThat(out).allSatisfy(r -> assertThat(r.key()).isEqualTo("mbpp/11"));
                assertThat(out.get(out.size() - 1).value().getPassed()).isEqualTo(3);
            }
        } finally {
            Utils.delete(stateDir.toFile());
        }
    }
}
