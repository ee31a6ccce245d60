package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.UnknownConfigException;
import org.rltf.streams.BufferConfig;
import org.rltf.streams.RewardConfig;

class LearnerConfigTest {

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put(LearnerConfig.RUN_CONFIG, "r1");
        m.put(LearnerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        m.put(LearnerConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://localhost:8081");
        return m;
    }

    @Test
    void paperDefaults() {
        LearnerConfig c = new LearnerConfig(base());
        assertThat(c.trainer().lr()).isEqualTo(2e-6);
        assertThat(c.trainer().weightDecay()).isEqualTo(0.05);
        assertThat(c.trainer().gradClip()).isEqualTo(1.0);
        assertThat(c.trainer().warmupSteps()).isEqualTo(500);
        assertThat(c.checkpointInterval()).isEqualTo(50);
        assertThat(c.buffer().capacity()).isEqualTo(6400);
        assertThat(c.rlEnabled()).isTrue();
        assertThat(c.supervisedEnabled()).isTrue();
        assertThat(c.rewards().coarseEnabled() && c.rewards().adaptiveEnabled() && c.rewards().fineEnabled()).isTrue();
        assertThat(c.transactionalId()).isEqualTo("rltf-learner.r1");
    }

    @Test
    void theRewardSwitchesAreTheOnlyKeysOfTheRlTerms() {
        Map<String, Object> m = base();
        m.put(RewardConfig.FINE_ENABLED_CONFIG, "false");
        m.put(RewardConfig.ADAPTIVE_ENABLED_CONFIG, false);
        LearnerConfig c = new LearnerConfig(m);
        assertThat(c.rewards().fineEnabled()).isFalse();
        assertThat(c.rewards().adaptiveEnabled()).isFalse();
        assertThat(c.rewards().coarseEnabled()).isTrue();
        assertThat(c.rlEnabled()).isTrue();
        assertThat(c.supervisedEnabled()).isTrue();
        // All three RL switches off: the learner derives that there is no RL term from the buffer's keys.
        m.put(RewardConfig.COARSE_ENABLED_CONFIG, "false");
        assertThat(new LearnerConfig(m).rlEnabled()).isFalse();
        assertThat(LearnerConfig.CONFIG.names()).noneMatch(k -> k.matches("(learner\\.)?loss\\.(coarse|adaptive|fine)\\.enabled"));
    }

    @Test
    void theOldLossSwitchesAreTakenAsTheRewardSwitchesThatReplacedThem() {
        // Ignored like an unknown key, loss.fine.enabled=false would leave the fine term on in an ablation; refused,
        // it would break old run scripts. It is the buffer's switch of the same term now.
        for (String term : List.of("coarse", "adaptive", "fine")) {
            Map<String, Object> m = base();
            m.put("loss." + term + ".enabled", "false");
            LearnerConfig c = new LearnerConfig(m);
            assertThat(c.originals()).as(term).containsEntry("reward." + term + ".enabled", "false")
                    .doesNotContainKey("loss." + term + ".enabled");
        }
        Map<String, Object> m = base();
        m.put("loss.fine.enabled", "false");
        assertThat(new LearnerConfig(m).rewards().fineEnabled()).isFalse();
        m.put(RewardConfig.FINE_ENABLED_CONFIG, "true"); // both given: the new name wins
        assertThat(new LearnerConfig(m).rewards().fineEnabled()).isTrue();
    }

    @Test
    void everyOwnKeyCarriesThePrefixAndItsOldNameIsStillAccepted() {
        for (String key : LearnerConfig.CONFIG.names())
            if (!RunConfig.define("").names().contains(key)) // the run's shared keys: run, bootstrap.servers, ...
                assertThat(key).startsWith(LearnerConfig.PREFIX);
        assertThat(LearnerConfig.OLD_NAMES).containsEntry("rl.batch", LearnerConfig.RL_BATCH_CONFIG)
                .containsEntry("steps", LearnerConfig.STEPS_CONFIG)
                .containsEntry("checkpoint.store.dir", LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG)
                .containsEntry("buffer.state.dir", LearnerConfig.BUFFER_STATE_DIR_CONFIG)
                .containsEntry("adam.beta2", LearnerConfig.ADAM_BETA2_CONFIG)
                .containsEntry("loss.fine.enabled", RewardConfig.FINE_ENABLED_CONFIG)
                .hasSize(26 + 3);

        Map<String, Object> m = base();
        m.put("steps", "7");
        m.put("rl.batch", "5");
        m.put("lr", "1e-3");
        m.put("checkpoint.store.dir", "/tmp/store");
        LearnerConfig c = new LearnerConfig(m);
        assertThat(c.steps()).isEqualTo(7);
        assertThat(c.rlBatch()).isEqualTo(5);
        assertThat(c.trainer().lr()).isEqualTo(1e-3);
        assertThat(c.checkpointStoreDir()).isEqualTo(Path.of("/tmp/store"));
        assertThat(c.originals()).containsKey(LearnerConfig.STEPS_CONFIG).doesNotContainKey("steps");
        m.put(LearnerConfig.STEPS_CONFIG, "9"); // both names given: the new one wins
        assertThat(new LearnerConfig(m).steps()).isEqualTo(9);
    }

    @Test
    void badValuesFailNamingTheirKey() {
        for (String[] bad : new String[][] {{LearnerConfig.LR_CONFIG, "0"}, {LearnerConfig.LR_CONFIG, "NaN"},
                {LearnerConfig.CHECKPOINT_INTERVAL_CONFIG, "0"}, {LearnerConfig.RL_BATCH_CONFIG, "-1"},
                {LearnerConfig.MODEL_PRESET_CONFIG, "huge"}, {LearnerConfig.ADAM_BETA1_CONFIG, "1"},
                {LearnerConfig.PROBLEMS_SPLIT_CONFIG, ""}, {BufferConfig.MIN_FILL_CONFIG, "0"},
                {RewardConfig.BASELINE_CONFIG, "median"}, {RewardConfig.NEGATIVE_SCALE_CONFIG, "NaN"},
                {LearnerConfig.RL_SUCCESS_SHARE_CONFIG, "NaN"}, {RewardConfig.ALPHA_MAX_CONFIG, "Infinity"}}) {
            Map<String, Object> m = base();
            m.put(bad[0], bad[1]);
            assertThatThrownBy(() -> new LearnerConfig(m)).as(bad[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(bad[0]);
        }
    }

    @Test
    void theValidatorsSayWhatTheyAccept() {
        assertThat(LearnerConfig.CONFIG.configKeys().get(LearnerConfig.LR_CONFIG).validator)
                .hasToString("a finite number > 0");
        assertThat(LearnerConfig.CONFIG.configKeys().get(LearnerConfig.ADAM_BETA1_CONFIG).validator)
                .hasToString("[0,...,1)");
        for (var key : LearnerConfig.CONFIG.configKeys().values())
            if (key.validator != null) assertThat(key.validator.toString()).as(key.name).doesNotContain("$$Lambda");
    }

    @Test
    void turningEveryTermOffIsRefused() {
        Map<String, Object> m = base();
        m.put(RewardConfig.COARSE_ENABLED_CONFIG, "false");
        m.put(RewardConfig.ADAPTIVE_ENABLED_CONFIG, "false");
        m.put(RewardConfig.FINE_ENABLED_CONFIG, "false");
        m.put(LearnerConfig.LOSS_SUPERVISED_CONFIG, "false");
        assertThatThrownBy(() -> new LearnerService(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("loss.supervised.enabled");
    }

    @Test
    void anUnknownKeyFailsTheServiceAtOnceNamingItAndTheNearestValidOne() {
        Map<String, Object> m = base();
        m.put(LearnerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // nothing listens: a learner that connected would hang
        m.put("learner.rl.bach", "4");
        long start = System.nanoTime();
        assertThatThrownBy(() -> new LearnerService(m)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'learner.rl.bach'")
                .hasMessageContaining("did you mean 'learner.rl.batch'");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds to fail").isLessThan(2.0);

        Map<String, Object> other = base();
        other.put("generator.temperature", "0.7"); // another service's key, given to the learner
        assertThatThrownBy(() -> new LearnerConfig(other)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'generator.temperature'");
    }

    @Test
    void cliBeatsEnvironmentBeatsFileBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("learner.properties");
        Files.writeString(file, """
                run=from-file
                bootstrap.servers=file:9092
                schema.registry.url=http://file:8081
                learner.lr=0.1
                learner.rl.batch=3
                learner.sl.batch=5
                buffer.min.fill=11
                # an old name in a file still works
                micro.batch=2
                # another service's key in a shared file is skipped
                generator.temperature=0.5
                """);
        Map<String, String> env = Map.of("RLTF_LEARNER_LR", "0.2", "RLTF_LEARNER_RL_BATCH", "6",
                "RLTF_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "RLTF_GENERATOR_TEMPERATURE", "0.9", "PATH", "/bin");
        Map<String, String> cli = Map.of(LearnerConfig.LR_CONFIG, "0.3", LearnerConfig.RUN_CONFIG, "from-cli");

        LearnerConfig c = new LearnerConfig(ConfigContract.resolve(LearnerConfig.SPEC, cli, file, env));
        assertThat(c.trainer().lr()).isEqualTo(0.3);                    // CLI over env over file
        assertThat(c.rlBatch()).isEqualTo(6);                           // env over file
        assertThat(c.slBatch()).isEqualTo(5);                           // file only
        assertThat(c.buffer().minFill()).isEqualTo(11);                 // the buffer's key, from the file
        assertThat(c.microBatch()).isEqualTo(2);                        // file, under its old name
        assertThat(c.checkpointInterval()).isEqualTo(50);               // default
        assertThat(c.run()).isEqualTo("from-cli");
        assertThat(c.bootstrapServers()).isEqualTo("file:9092");
        assertThat(c.producerConfigs()).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        assertThat(c.streamsConfigs()).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    }

    @Test
    void securitySettingsReachEveryClientTheLearnerBuildsTheBuffersStreamsIncluded() {
        Map<String, Object> m = base();
        m.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        m.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        m.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        m.put("ssl.truststore.location", "/etc/rltf/truststore.jks");
        m.put("producer.linger.ms", "20");
        m.put("consumer.fetch.max.bytes", "1000");
        m.put("streams.num.stream.threads", "2");
        LearnerConfig c = new LearnerConfig(m);

        Map<String, Map<String, Object>> clients = new LinkedHashMap<>();
        clients.put("producer", c.producerConfigs());
        clients.put("problems consumer", c.consumerConfigs("problems"));
        clients.put("checkpoints consumer", c.consumerConfigs("checkpoints"));
        // The problems table and the dead letters build theirs from the config the learner hands them.
        clients.put("problems table", ClientConfigs.readCommittedConsumer(c.originals(), c.clientId("problems")));
        clients.put("dead letters", ClientConfigs.producer(c.originals(), "dead-letters", Map.of()));
        Map<String, Object> streams = c.streamsConfigs();
        clients.put("streams", streams);
        // What Kafka Streams hands its own clients from that config.
        Map<String, Object> withId = new HashMap<>(streams);
        withId.put(StreamsConfig.APPLICATION_ID_CONFIG, "rltf-r1-buffer");
        StreamsConfig sc = new StreamsConfig(withId);
        clients.put("streams main consumer", sc.getMainConsumerConfigs("g", "c", 0));
        clients.put("streams restore consumer", sc.getRestoreConsumerConfigs("c"));
        clients.put("streams producer", sc.getProducerConfigs("c"));
        clients.put("streams admin", sc.getAdminConfigs("c"));

        clients.forEach((name, client) -> assertThat(client).as(name)
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
                .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
                .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, m.get(SaslConfigs.SASL_JAAS_CONFIG))
                .containsEntry("ssl.truststore.location", "/etc/rltf/truststore.jks")
                .containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"));

        assertThat(c.producerConfigs()).containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rltf-learner.r1")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "20")
                .doesNotContainKey(ConsumerConfig.FETCH_MAX_BYTES_CONFIG);
        assertThat(c.consumerConfigs("problems")).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "1000")
                .doesNotContainKey(ProducerConfig.LINGER_MS_CONFIG);
        assertThat(streams).containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2")
                .containsEntry(LearnerConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://localhost:8081")
                .doesNotContainKey(ProducerConfig.LINGER_MS_CONFIG);
    }

    @Test
    void theBuffersStateDirectoryIsStableForARunUnlessSet() {
        Map<String, Object> m = base();
        m.put(LearnerConfig.CHECKPOINT_STORE_DIR_CONFIG, "/data/store");
        LearnerConfig c = new LearnerConfig(m);
        // The same directory on every start of the run: a restart reuses it, a kill -9 leaves nothing in /tmp.
        assertThat(c.bufferStateDir()).isEqualTo(Path.of("/data/store/r1/buffer-state"));
        assertThat(c.streamsConfigs()).containsEntry(StreamsConfig.STATE_DIR_CONFIG, "/data/store/r1/buffer-state");
        m.put(LearnerConfig.BUFFER_STATE_DIR_CONFIG, "/fast/disk/state");
        assertThat(new LearnerConfig(m).bufferStateDir()).isEqualTo(Path.of("/fast/disk/state"));
        m.remove(LearnerConfig.BUFFER_STATE_DIR_CONFIG);
        m.put("buffer.state.dir", "/old/name"); // its name before the learner. prefix
        assertThat(new LearnerConfig(m).bufferStateDir()).isEqualTo(Path.of("/old/name"));
    }
}
