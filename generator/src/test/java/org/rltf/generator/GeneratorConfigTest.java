package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.ConfigHelp;
import org.rltf.kernel.RunConfig;
import org.rltf.kernel.UnknownConfigException;

class GeneratorConfigTest {

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("run", "r1");
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void defaults() {
        GeneratorConfig c = new GeneratorConfig(base());
        assertThat(c.samplesPerProblem()).isEqualTo(4);
        assertThat(c.temperature()).isEqualTo(1.0f);
        assertThat(c.topP()).isEqualTo(0.95f);
        assertThat(c.samplesPerRound()).isEqualTo(4 * 5);
        assertThat(c.generatorId()).startsWith("gen-");
        assertThat(c.checkpointStoreDir()).isNull();
        assertThat(c.problemsSplits()).containsExactly("train");
    }

    @Test
    void badValuesFailNamingTheirKey() {
        Map<String, Object> m = base();
        m.put(GeneratorConfig.TEMPERATURE_CONFIG, "0");
        assertThatThrownBy(() -> new GeneratorConfig(m)).isInstanceOf(ConfigException.class).hasMessageContaining("temperature");
        Map<String, Object> m2 = base();
        m2.put("run", "bad.run");
        assertThatThrownBy(() -> new GeneratorConfig(m2)).isInstanceOf(ConfigException.class).hasMessageContaining("run");
        Map<String, Object> m3 = base();
        m3.put("generator.id", "a/b");
        assertThatThrownBy(() -> new GeneratorConfig(m3)).isInstanceOf(ConfigException.class).hasMessageContaining("generator.id");
        Map<String, Object> m4 = base();
        m4.remove("bootstrap.servers");
        assertThatThrownBy(() -> new GeneratorConfig(m4)).isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    }

    @Test
    void theErrorBufferMustHoldOneRound() {
        Map<String, Object> m = base();
        m.put(GeneratorConfig.BATCH_PROBLEMS_CONFIG, "4");
        m.put(GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, "4");
        m.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, "19");
        assertThatThrownBy(() -> new GeneratorConfig(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rate.limit.error.buffer");
        m.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, "20");
        assertThat(new GeneratorConfig(m).rateLimitErrorBuffer()).isEqualTo(20);
        m.put(GeneratorConfig.RATE_LIMIT_ERROR_BUFFER_CONFIG, "1");
        m.put(GeneratorConfig.RATE_LIMIT_SAMPLES_PER_STEP_CONFIG, "0"); // no limit, no constraint
        assertThat(new GeneratorConfig(m).rateLimitErrorBuffer()).isEqualTo(1);
    }

    @Test
    void everyOwnKeyCarriesThePrefixAndItsOldNameIsStillAccepted() {
        for (String key : GeneratorConfig.CONFIG.names())
            if (!RunConfig.define("").names().contains(key)) // the run's shared keys: run, bootstrap.servers, ...
                assertThat(key).startsWith(GeneratorConfig.PREFIX);
        assertThat(GeneratorConfig.OLD_NAMES).containsEntry("samples.per.problem", "generator.samples.per.problem")
                .containsEntry("seed", "generator.seed").containsEntry("checkpoint.store.dir", "generator.checkpoint.store.dir")
                .hasSize(15).doesNotContainKey("id");

        Map<String, Object> m = base();
        m.put("samples.per.problem", "7");
        m.put("temperature", "0.5");
        m.put("rate.limit.samples.per.step", "0");
        m.put("seed", "9");
        GeneratorConfig c = new GeneratorConfig(m);
        assertThat(c.samplesPerProblem()).isEqualTo(7);
        assertThat(c.temperature()).isEqualTo(0.5f);
        assertThat(c.seed()).isEqualTo(9);
        assertThat(c.originals()).containsKey(GeneratorConfig.SEED_CONFIG).doesNotContainKey("seed");
        // Both names given: the new one wins.
        m.put(GeneratorConfig.SEED_CONFIG, "11");
        assertThat(new GeneratorConfig(m).seed()).isEqualTo(11);
    }

    @Test
    void anUnknownKeyFailsTheServiceAtOnceNamingIt() {
        Map<String, Object> m = base();
        m.put("bootstrap.servers", "127.0.0.1:1"); // nothing listens: a service that tried to connect would hang
        m.put("generator.temprature", "0.7");
        long start = System.nanoTime();
        assertThatThrownBy(() -> new GeneratorService(m)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'generator.temprature'")
                .hasMessageContaining("did you mean 'generator.temperature'");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds to fail").isLessThan(2.0);

        Map<String, Object> other = base();
        other.put("learner.lr", "0.1"); // another service's key, given to the generator
        assertThatThrownBy(() -> new GeneratorConfig(other)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'learner.lr'");
    }

    @Test
    void cliBeatsEnvironmentBeatsFileBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("generator.properties");
        Files.writeString(file, """
                run=from-file
                bootstrap.servers=file:9092
                schema.registry.url=http://file:8081
                generator.temperature=0.3
                generator.top.p=0.5
                generator.batch.problems=3
                # an old name in a file still works
                max.new.tokens=64
                # another service's key in a shared file is skipped
                learner.lr=0.1
                """);
        Map<String, String> env = Map.of("RLTF_GENERATOR_TEMPERATURE", "0.4", "RLTF_GENERATOR_TOP_P", "0.6",
                "RLTF_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "RLTF_LEARNER_LR", "0.2", "PATH", "/bin");
        Map<String, String> cli = Map.of(GeneratorConfig.TEMPERATURE_CONFIG, "0.8", GeneratorConfig.GENERATOR_ID_CONFIG, "g7");

        GeneratorConfig c = new GeneratorConfig(ConfigContract.resolve(GeneratorConfig.SPEC, cli, file, env));
        assertThat(c.temperature()).isEqualTo(0.8f);                    // CLI over env over file
        assertThat(c.topP()).isEqualTo(0.6f);                           // env over file
        assertThat(c.batchProblems()).isEqualTo(3);                     // file only
        assertThat(c.maxNewTokens()).isEqualTo(64);                     // file, under its old name
        assertThat(c.samplesPerProblem()).isEqualTo(4);                 // default
        assertThat(c.run()).isEqualTo("from-file");
        assertThat(c.generatorId()).isEqualTo("g7");
        assertThat(c.producerConfigs()).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    }

    @Test
    void securitySettingsReachEveryClientTheGeneratorBuilds() {
        Map<String, Object> m = base();
        m.put(GeneratorConfig.GENERATOR_ID_CONFIG, "g1");
        m.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        m.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        m.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        m.put("ssl.truststore.location", "/etc/rltf/truststore.jks");
        m.put("producer.linger.ms", "20");
        m.put("consumer.fetch.max.bytes", "1000");
        GeneratorConfig c = new GeneratorConfig(m);

        Map<String, Map<String, Object>> clients = new LinkedHashMap<>();
        clients.put("producer", c.producerConfigs());
        clients.put(GeneratorConfig.CONTROL_CONSUMER, c.consumerConfigs(GeneratorConfig.CONTROL_CONSUMER));
        // The problems table builds its consumer from the config and client id the service hands it.
        clients.put(GeneratorConfig.PROBLEMS_CONSUMER, ClientConfigs.readCommittedConsumer(c.originals(),
                c.clientId(GeneratorConfig.PROBLEMS_CONSUMER)));
        assertThat(clients.get(GeneratorConfig.PROBLEMS_CONSUMER))
                .isEqualTo(c.consumerConfigs(GeneratorConfig.PROBLEMS_CONSUMER));

        clients.forEach((name, client) -> assertThat(client).as(name)
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
                .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
                .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, m.get(SaslConfigs.SASL_JAAS_CONFIG))
                .containsEntry("ssl.truststore.location", "/etc/rltf/truststore.jks")
                .containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092")
                .doesNotContainKeys(GeneratorConfig.GENERATOR_ID_CONFIG, GeneratorConfig.RUN_CONFIG,
                        GeneratorConfig.SAMPLES_PER_PROBLEM_CONFIG, "schema.registry.url"));
        assertThat(clients.get("producer")).containsEntry(ProducerConfig.LINGER_MS_CONFIG, "20")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(CommonClientConfigs.CLIENT_ID_CONFIG, "rltf-generator-r1-g1");
        assertThat(clients.get(GeneratorConfig.CONTROL_CONSUMER)).containsEntry(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "1000")
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(CommonClientConfigs.CLIENT_ID_CONFIG, "rltf-generator-r1-g1-control");
    }

    @Test
    void helpPrintsWhatEachValidatorAccepts() {
        String help = ConfigHelp.describe(GeneratorConfig.SPEC);
        assertThat(help).doesNotContain("$$Lambda").doesNotContain("$Lambda")
                .contains("generator.temperature").contains("a finite number > 0")
                .contains("generator.top.p").contains("(0,...,1]")
                .contains("a non-empty list of split names")
                .contains("samples.per.problem -> generator.samples.per.problem");
    }
}
