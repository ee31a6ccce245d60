package org.rltf.broker.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Testcontainers' Kafka, used only when asked for and when a Docker engine answers. Every reference to
 * Testcontainers stays in {@link Container}, loaded only after the classes are known to be present, so a test
 * classpath without Testcontainers (it is an optional dependency) never fails here.
 *
 * <p>Not exercised on the development machines (they have no Docker engine); the embedded broker is the tested path.
 */
final class DockerKafka {
    private static final Logger log = LoggerFactory.getLogger(DockerKafka.class);
    static final String IMAGE = "apache/kafka:4.1.2";

    private DockerKafka() {
    }

    /** A started container and registry, or null when Docker or Testcontainers is missing. */
    static SharedKafkaEnv startIfAvailable() {
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))
                && !Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties")))
            return null;
        try {
            Class.forName("org.testcontainers.kafka.KafkaContainer", false, DockerKafka.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
        try {
            return Container.start();
        } catch (Throwable e) {
            log.warn("Docker looked present but Testcontainers' Kafka did not start; using the embedded broker: {}", e.toString());
            return null;
        }
    }

    private static final class Container {
        static SharedKafkaEnv start() {
            if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) return null;
            var kafka = new org.testcontainers.kafka.KafkaContainer(IMAGE)
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                    .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
            kafka.start();
            try {
                return SharedKafkaEnv.external(kafka::stop, kafka.getBootstrapServers());
            } catch (RuntimeException e) {
                kafka.stop();
                throw e;
            }
        }
    }
}
