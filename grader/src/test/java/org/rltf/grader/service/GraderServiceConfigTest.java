package org.rltf.grader.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.grader.GraderConfig;
import org.rltf.kernel.ClientConfigs;
import org.rltf.kernel.ConfigContract;
import org.rltf.kernel.ConfigHelp;
import org.rltf.kernel.UnknownConfigException;

class GraderServiceConfigTest {

    private static Map<String, Object> minimal() {
        Map<String, Object> m = new HashMap<>();
        m.put("run", "r1");
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void defaultsDeriveNamesFromTheRun() {
        Map<String, Object> m = minimal();
        m.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "g-0");
        GraderServiceConfig config = new GraderServiceConfig(m);
        assertThat(config.groupId()).isEqualTo("rltf.r1.grader");
        assertThat(config.transactionalId()).isEqualTo("rltf-grader.r1.g-0");
        assertThat(config.hasStableInstanceId()).isTrue();
        assertThat(config.topics().samples()).isEqualTo("rltf.r1.samples");
        assertThat(config.sandboxErrorRetries()).isEqualTo(1);
    }

    @Test
    void generatedInstanceIdIsStableWithinOneConfig() {
        GraderServiceConfig config = new GraderServiceConfig(minimal());
        assertThat(config.hasStableInstanceId()).isFalse();
        assertThat(config.instanceId()).isNotEmpty().isEqualTo(config.instanceId());
        assertThat(config.transactionalId()).endsWith("." + config.instanceId());
    }

    @Test
    void badValuesFailNamingTheKey() {
        Map<String, Object> noRun = minimal();
        noRun.remove("run");
        assertThatThrownBy(() -> new GraderServiceConfig(noRun)).isInstanceOf(ConfigException.class).hasMessageContaining("run");

        Map<String, Object> badRun = minimal();
        badRun.put("run", "a.b");
        assertThatThrownBy(() -> new GraderServiceConfig(badRun)).isInstanceOf(ConfigException.class).hasMessageContaining("run");

        Map<String, Object> badBatch = minimal();
        badBatch.put(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG, "0");
        assertThatThrownBy(() -> new GraderServiceConfig(badBatch)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG);

        Map<String, Object> badInstance = minimal();
        badInstance.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "has space");
        assertThatThrownBy(() -> new GraderServiceConfig(badInstance)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(GraderServiceConfig.INSTANCE_ID_CONFIG);
    }

    @Test
    void anUnknownKeyStopsTheServiceAtStartNamingItAndTheNearestKey() {
        Map<String, Object> typo = minimal();
        typo.put("grader.paralelism", "2");
        long started = System.nanoTime();
        assertThatThrownBy(() -> new GraderService(typo)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'grader.paralelism'").hasMessageContaining("for the grader")
                .hasMessageContaining("did you mean '" + GraderConfig.PARALLELISM_CONFIG + "'");
        // Checked before the sandbox or any client starts: no waiting on workers or a cluster.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

        // What the lab used to pass every service: another service's key is an error for the grader too.
        Map<String, Object> foreign = minimal();
        foreign.put("checkpoint.store.dir", "/tmp/store");
        assertThatThrownBy(() -> new GraderServiceConfig(foreign)).isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'checkpoint.store.dir'");
    }

    @Test
    void theOldUnprefixedNamesStillWork() {
        Map<String, Object> m = minimal();
        m.put("group.id", "graders");
        m.put("instance.id", "g-0");
        m.put("transactional.id.prefix", "tx");
        m.put("batch.max.records", "4");
        m.put("poll.timeout.ms", "100");
        m.put("transaction.timeout.ms", "60000");
        m.put("max.poll.interval.ms", "120000");
        m.put("sandbox.error.retries", "2");
        m.put("progress.interval.ms", "1000");
        GraderServiceConfig config = new GraderServiceConfig(m);
        assertThat(config.groupId()).isEqualTo("graders");
        assertThat(config.instanceId()).isEqualTo("g-0");
        assertThat(config.transactionalId()).isEqualTo("tx.r1.g-0");
        assertThat(config.batchMaxRecords()).isEqualTo(4);
        assertThat(config.pollTimeoutMs()).isEqualTo(100);
        assertThat(config.transactionTimeoutMs()).isEqualTo(60_000);
        assertThat(config.maxPollIntervalMs()).isEqualTo(120_000);
        assertThat(config.sandboxErrorRetries()).isEqualTo(2);
        assertThat(config.progressIntervalMs()).isEqualTo(1000);
        // Moved to their new names: what the service reads, and what help and errors name.
        assertThat(config.originals()).containsKey(GraderServiceConfig.GROUP_ID_CONFIG).doesNotContainKeys("group.id",
                "transaction.timeout.ms", "max.poll.interval.ms");
    }

    @Test
    void securitySettingsReachEveryClientTheServiceBuilds() {
        Map<String, Object> m = minimal();
        m.put(GraderServiceConfig.INSTANCE_ID_CONFIG, "g-0");
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        m.put("ssl.truststore.location", "/etc/rltf/truststore.jks");
        m.put("consumer.fetch.max.bytes", "1048576");
        GraderServiceConfig config = new GraderServiceConfig(m);
        // The service opens the problems table with its whole config; this is the reader the table builds from it.
        Map<String, Object> problemsReader = ClientConfigs.readCommittedConsumer(config.originals(),
                config.problemsClientId());
        for (Map<String, Object> client : List.of(config.consumerConfig(), config.producerConfig(), problemsReader)) {
            assertThat(client).containsEntry("bootstrap.servers", "localhost:9092")
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .containsEntry("ssl.truststore.location", "/etc/rltf/truststore.jks")
                    .doesNotContainKeys("run", "schema.registry.url", GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG);
        }
        assertThat(config.consumerConfig()).containsEntry("group.id", "rltf.r1.grader")
                .containsEntry("group.instance.id", "g-0").containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false).containsEntry("max.poll.records", 16)
                .containsEntry("fetch.max.bytes", "1048576").containsEntry("client.id", "rltf-grader-r1-g-0");
        assertThat(problemsReader).containsEntry("isolation.level", "read_committed")
                .containsEntry("fetch.max.bytes", "1048576").containsEntry("client.id", "rltf-grader-r1-g-0-problems")
                .doesNotContainKey("group.id");
        assertThat(config.producerConfig()).containsEntry("transactional.id", "rltf-grader.r1.g-0")
                .containsEntry("acks", "all").containsEntry("transaction.timeout.ms", 300_000)
                .doesNotContainKey("fetch.max.bytes");
    }

    @Test
    void environmentAndAFileConfigureTheGraderBelowTheCommandLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("grader.properties");
        Files.writeString(file, """
                run=r1
                bootstrap.servers=file:9092
                schema.registry.url=http://registry:8081
                grader.batch.max.records=3
                grader.poll.timeout.ms=300
                grader.sandbox.error.retries=3
                grader.parallelism=5
                # an old name, still accepted
                instance.id=g-file
                # another service's key in a shared file is skipped
                learner.lr=0.1
                """);
        Map<String, String> env = Map.of("RLTF_GRADER_POLL_TIMEOUT_MS", "200", "RLTF_GRADER_SANDBOX_ERROR_RETRIES", "2",
                "RLTF_BOOTSTRAP_SERVERS", "env:9092", "RLTF_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "PATH", "/bin");
        Map<String, String> cli = Map.of(GraderServiceConfig.SANDBOX_ERROR_RETRIES_CONFIG, "4");

        GraderServiceConfig config = new GraderServiceConfig(ConfigContract.resolve(GraderServiceConfig.SPEC, cli, file, env));
        assertThat(config.sandboxErrorRetries()).isEqualTo(4);          // CLI over env over file
        assertThat(config.pollTimeoutMs()).isEqualTo(200);              // env over file
        assertThat(config.bootstrapServers()).isEqualTo("env:9092");    // env over file
        assertThat(config.batchMaxRecords()).isEqualTo(3);              // file only
        assertThat(config.instanceId()).isEqualTo("g-file");
        assertThat(config.progressIntervalMs()).isEqualTo(10_000L);     // the default
        assertThat(new GraderConfig(config.originals()).parallelism()).isEqualTo(5);
        assertThat(config.producerConfig()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "env:9092");
        assertThat(config.originals()).doesNotContainKey("learner.lr");
    }

    @Test
    void helpPrintsValidValuesAndTheOldNames() {
        String help = ConfigHelp.describe(GraderServiceConfig.SPEC);
        assertThat(help).contains(GraderServiceConfig.BATCH_MAX_RECORDS_CONFIG + "  (int, default 16, valid: [1,...,10000])")
                .contains("RLTF_GRADER_INSTANCE_ID").contains("batch.max.records -> grader.batch.max.records")
                .doesNotContain("$$Lambda");
    }
}
