package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.rltf.events.Sample;
import org.rltf.kernel.TopicAdmin;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdes;

/**
 * A whole stack (broker + registry) on a data directory, stopped and started again on it: topics with their
 * configs, records, committed offsets and schema ids are all still there. Uses its own broker, not the shared one.
 */
class EmbeddedKafkaRestartTest {

    @Test void survivesARestartOnTheSameDataDir() throws Exception {
        Path dir = Files.createTempDirectory("rltf-restart-");
        try {
            Topics topics = Topics.forRun("restart");
            Sample sample = Events.sample("restart");
            int port;
            try (LocalStack stack = LocalStack.builder().dataDir(dir).start();
                 TopicAdmin admin = TopicAdmin.create(stack.clientConfig())) {
                port = stack.broker().port();
                assertThat(admin.createRun(topics)).hasSize(8);
                try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, stack.clientConfig(), false);
                     KafkaProducer<String, Sample> producer = new KafkaProducer<>(stack.clientConfig(), new StringSerializer(), serde.serializer())) {
                    producer.send(new ProducerRecord<>(topics.samples(), sample.getSampleId(), sample)).get();
                    producer.send(new ProducerRecord<>(topics.samples(), "second", sample)).get();
                }
                // One record consumed and committed before the restart.
                assertThat(consume(stack, topics, 1)).hasSize(1);
            }

            try (LocalStack stack = LocalStack.builder().dataDir(dir).port(port).start();
                 Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).containsAll(topics.all());
                assertThat(admin.describeTopics(List.of(topics.samples())).allTopicNames().get().get(topics.samples()).partitions()).hasSize(4);
                Config samples = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.samples())))
                        .all().get().values().iterator().next();
                assertThat(samples.get("retention.ms").value()).isEqualTo("-1");
                Config problems = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.problems())))
                        .all().get().values().iterator().next();
                assertThat(problems.get("cleanup.policy").value()).isEqualTo("compact");
                // Creating the run again is a no-op.
                try (TopicAdmin topicAdmin = new TopicAdmin(admin, org.rltf.kernel.TopicLayoutConfig.defaults())) {
                    assertThat(topicAdmin.createRun(topics)).isEmpty();
                }
                // The group resumes after its committed offset; the registry still knows the schema id.
                List<ConsumerRecord<String, Sample>> rest = consume(stack, topics, 1);
                assertThat(rest).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(sample));
            }
        } finally {
            Utils.delete(dir.toFile());
        }
    }

    private static List<ConsumerRecord<String, Sample>> consume(LocalStack stack, Topics topics, int count) {
        Map<String, Object> config = stack.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "restart-reader");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        List<ConsumerRecord<String, Sample>> records = new ArrayList<>();
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, stack.clientConfig(), false);
             KafkaConsumer<String, Sample> consumer = new KafkaConsumer<>(config, new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(topics.samples()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
            consumer.commitSync();
        }
        return records;
    }
}
