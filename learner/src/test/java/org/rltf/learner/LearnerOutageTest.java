package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.LocalStack;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.events.Checkpoint;
import org.rltf.events.LearnerStep;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.Partitions;
import org.rltf.kernel.TopicAdmin;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerializer;
import org.rltf.streams.RewardConfig;
import org.slf4j.LoggerFactory;

/**
 * The learner through outages, on a broker and registry of its own (the test stops the registry): it waits out a
 * registry that is down when a checkpoint period commits, and at start-up it gives up on an unreachable cluster
 * after startup.timeout.ms with a message naming the servers.
 */
class LearnerOutageTest {
    private static final ModelConfig SMALL = new ModelConfig(2, 64, 2, 512, 257, "bytes");

    @TempDir Path dir;

    @Test
    void aRegistryOutageAtACheckpointCommitIsWaitedOutAndTheLogSaysSo() throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logged);
        AtomicReference<SchemaRegistryServer> restarted = new AtomicReference<>();
        try (LocalStack stack = LocalStack.builder().dataDir(dir.resolve("broker")).start()) {
            String run = "outage";
            Topics topics = Topics.forRun(run);
            try (TopicAdmin admin = TopicAdmin.create(stack.clientConfig())) {
                admin.createRun(topics);
            }
            try (KafkaProducer<String, Problem> producer = new KafkaProducer<>(stack.clientConfig(),
                    new StringSerializer(), new AvroSerializer<>(stack.clientConfig(), false))) {
                for (String id : List.of("p/1", "p/2")) producer.send(new ProducerRecord<>(topics.problems(), id, problem(id))).get();
            }
            Path init;
            try (Policy p = Policy.create(SMALL, Tokenizer.bytes(), 7)) {
                init = p.save(dir.resolve("init")).dir();
            }
            // Supervised only: two steps, a checkpoint after each. v0 needs only the Checkpoint schema; v1 is the
            // first commit with LearnerSteps, whose schema the serializer must look up while the registry is down.
            Map<String, Object> config = stack.clientConfig();
            config.put(LearnerConfig.RUN_CONFIG, run);
            config.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, dir.resolve("store").toString());
            config.put(LearnerConfig.INIT_CHECKPOINT_CONFIG, init.toString());
            config.put(LearnerConfig.STEPS_CONFIG, "2");
            config.put(LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, "1");
            config.put(LearnerConfig.SL_BATCH_CONFIG, "2");
            config.put(LearnerConfig.MICRO_BATCH_CONFIG, "2");
            config.put(LearnerConfig.WARMUP_STEPS_CONFIG, "0");
            config.put(LearnerConfig.RUN_EPOCH_MS_CONFIG, "1700000000000");
            config.put(RewardConfig.COARSE_ENABLED_CONFIG, "false");
            config.put(RewardConfig.ADAPTIVE_ENABLED_CONFIG, "false");
            config.put(RewardConfig.FINE_ENABLED_CONFIG, "false");
            int registryPort = stack.registry().port();
            LearnerService learner = new LearnerService(config);
            learner.setListener(new LearnerService.Listener() {
                @Override public void onCheckpoint(Checkpoint c) {
                    if (c.getVersion() == 0) stack.registry().close(); // on the learner's thread: down before step 1
                }

                @Override public void onStep(LearnerStep s) {
                    if (s.getStep() != 1) return;
                    // Step 1 is taken and its period is about to commit: the registry comes back 4 s from now.
                    Thread back = new Thread(() -> {
                        try {
                            Thread.sleep(4000);
                            restarted.set(SchemaRegistryServer.start(stack.broker().bootstrapServers(), registryPort));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, "registry-back");
                    back.setDaemon(true);
                    back.start();
                }
            });
            learner.run();
            assertThat(learner.failure()).isNull();
            assertThat(restarted.get()).as("the registry came back").isNotNull();
            assertThat(read(stack, topics.checkpoints(), Checkpoint.class)).extracting(Checkpoint::getVersion)
                    .containsExactly(0L, 1L, 2L);
            assertThat(read(stack, topics.learnerSteps(), LearnerStep.class)).extracting(LearnerStep::getStep)
                    .containsExactly(1L, 2L);
            assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains("checkpoint period v1") && m.contains("schema registry is unreachable"))
                    .anyMatch(m -> m.contains("checkpoint period v1") && m.contains("succeeded after"));
        } finally {
            root.detachAppender(logged);
            if (restarted.get() != null) restarted.get().close();
        }
    }

    @Test
    void withTheBrokerUnreachableItSoonFailsNamingTheServersAndWhatItWasDoing() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens here once it is closed
        }
        Map<String, Object> config = new HashMap<>();
        config.put(LearnerConfig.RUN_CONFIG, "nowhere");
        config.put(LearnerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        config.put(LearnerConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:" + port);
        config.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, dir.resolve("store").toString());
        config.put("startup.timeout.ms", "3000");
        LearnerService learner = new LearnerService(config);
        long start = System.nanoTime();
        assertThatThrownBy(learner::run).hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("Kafka cluster").hasMessageContaining("startup.timeout.ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    private static Problem problem(String id) {
        return Problem.newBuilder().setRun("").setId(id).setDataset("t").setSplit("train")
                .setPrompt("def f(y):\n")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(List.of("assert f(1) == 1")).build())
                .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0", "    return y\n"))).build();
    }

    private static <T> List<T> read(LocalStack stack, String topic, Class<T> type) {
        AvroDeserializer<T> values = new AvroDeserializer<>(type, stack.clientConfig(), false);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> c = new KafkaConsumer<>(ClientConfigs.readCommittedConsumer(stack.clientConfig(),
                "reader"), new StringDeserializer(), values)) {
            List<TopicPartition> partitions = Partitions.assignFromBeginning(c, List.of(topic), Duration.ofSeconds(30));
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            while (!Partitions.reached(c, ends)) for (ConsumerRecord<String, T> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
        }
        return out;
    }
}
