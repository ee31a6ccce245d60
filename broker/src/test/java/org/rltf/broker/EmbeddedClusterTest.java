package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Three nodes in this JVM: topics get three replicas with two in sync by default; a stopped node's leaderships move,
 * writes with acks=all go on without it, and started again on its data it catches up on what it missed.
 */
class EmbeddedClusterTest {
    private static final String TOPIC = "three";

    @Test void aStoppedNodeLosesNothingTheOthersAcceptedAndCatchesUpWhenStartedAgain() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            assertThat(cluster.nodeIds()).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
            admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(2), Optional.empty()))).all().get();
            // A new topic reaches the brokers' metadata a moment after the controller created it.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(partitions(admin))
                    .hasSize(2).allSatisfy(p -> {
                        assertThat(p.leader()).isNotNull();
                        assertThat(p.replicas()).hasSize(3);
                        assertThat(p.isr()).hasSize(3);
                    }));
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("min.insync.replicas")
                    .value()).isEqualTo("2");

            try (KafkaProducer<String, String> producer = producer(cluster)) {
                send(producer, "before", 10);
                int victim = partitions(admin).get(0).leader().id();
                cluster.stop(victim);
                assertThat(cluster.isRunning(victim)).isFalse();
                assertThatThrownBy(() -> cluster.stop(victim)).isInstanceOf(IllegalStateException.class);
                // Its controlled shutdown moved its leaderships and took it out of the in-sync replicas.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(partitions(admin)).allSatisfy(p -> {
                    assertThat(p.leader().id()).isNotEqualTo(victim);
                    assertThat(p.isr()).extracting(Node::id).doesNotContain(victim).hasSize(2);
                }));
                send(producer, "during", 10);

                cluster.start(victim);
                assertThat(cluster.isRunning(victim)).isTrue();
                cluster.awaitInSync(Duration.ofSeconds(60));
                // Its own copy of each partition holds everything, the records written while it was down included.
                Map<TopicPartition, ReplicaInfo> local = new HashMap<>();
                admin.describeLogDirs(List.of(victim)).allDescriptions().get().get(victim).values()
                        .forEach(dir -> dir.replicaInfos().forEach((tp, info) -> {
                            if (tp.topic().equals(TOPIC)) local.put(tp, info);
                        }));
                assertThat(local).hasSize(2).allSatisfy((tp, info) -> {
                    assertThat(info.size()).isPositive();
                    assertThat(info.offsetLag()).isZero();
                });
                send(producer, "after", 10);
            }
            assertThat(readAll(cluster)).hasSize(30).doesNotHaveDuplicates();
        }
    }

    private static List<TopicPartitionInfo> partitions(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        return d.partitions();
    }

    private static KafkaProducer<String, String> producer(EmbeddedCluster cluster) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, String prefix, int n) throws Exception {
        for (int i = 0; i < n; i++) producer.send(new ProducerRecord<>(TOPIC, prefix + i, prefix + i)).get(60, TimeUnit.SECONDS);
    }

    private static List<String> readAll(EmbeddedCluster cluster) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
                return tps.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        return values;
    }
}
