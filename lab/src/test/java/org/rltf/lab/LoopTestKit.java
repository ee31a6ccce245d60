package org.rltf.lab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.data.Datasets;
import org.rltf.events.Problem;
import org.rltf.lab.run.LabConfigs;
import org.rltf.lab.run.LabProblems;
import org.rltf.lab.run.LabSettings;
import org.rltf.lab.run.ProblemImport;
import org.rltf.learner.LearnerConfig;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Tokenizer;
import org.rltf.schemas.serde.AvroDeserializer;

/** Test-sized settings of the whole loop, and reading a run's topics. */
final class LoopTestKit {
    /** Small enough to train in a fraction of a second per step; MBPP prompts (~400 bytes) plus 32 tokens fit. */
    static final ModelConfig SMALL = new ModelConfig(2, 64, 2, 512, 257, "bytes");

    private LoopTestKit() {}

    /** Writes fresh weights of {@link #SMALL} as a checkpoint the learner takes as version 0 (learner.init.checkpoint). */
    static Path initCheckpoint(Path dir) {
        try (Policy p = Policy.create(SMALL, Tokenizer.bytes(), 7)) {
            return p.save(dir).dir();
        }
    }

    /**
     * The lab's service configs shrunk for tests: k = 2, 2 problems a round, 32 new tokens, batches of 2, lr 3e-3,
     * references cut at 96 tokens; checkpoints in {@code runDir}/checkpoints.
     */
    static LabConfigs configs(KafkaEnv env, String run, Path runDir, long steps, int checkpointInterval) {
        LabSettings s = new LabSettings(run, runDir, System.currentTimeMillis(), 42, "mbpp", 4, 0, 0.0, "tiny", 0, 0, 0,
                steps, 0, checkpointInterval, 2, 2, 32, 1.0f, 1, 3e-3, 2, 2, 2, 1, false, 2, "greedy", 1, 1.0, 1.0, 0.0, "uniform",
                Map.of(LearnerConfig.SL_MAX_TOKENS_CONFIG, "96"));
        return new LabConfigs(s, env.clientConfig());
    }

    /** The first {@code n} MBPP training problems, published to {@code run} at the settings' epoch. */
    static List<Problem> importMbpp(KafkaEnv env, LabConfigs configs, int n) {
        List<Problem> chosen = LabProblems.limit(Datasets.split(Datasets.load("mbpp"), "train"), n);
        return ProblemImport.publish(env.clientConfig(), configs.settings().run(), chosen, configs.settings().epochMs());
    }

    /** Every committed record of {@code topic}, ordered by timestamp then partition and offset. */
    static <T> List<ConsumerRecord<String, T>> read(KafkaEnv env, String topic, Class<T> type) {
        return read(env, topic, type, "read_committed");
    }

    static <T> List<ConsumerRecord<String, T>> read(KafkaEnv env, String topic, Class<T> type, String isolation) {
        Map<String, Object> c = new HashMap<>(env.clientConfig());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<String, T>> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new AvroDeserializer<>(type, env.clientConfig(), false))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)))
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        out.sort(Comparator.comparingLong(ConsumerRecord<String, T>::timestamp)
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    static <T> List<T> values(List<ConsumerRecord<String, T>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
