package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigContractTest {
    private static final ConfigDef DEF = RunConfig.define("the run")
            .define("learner.lr", Type.DOUBLE, 1e-3, Importance.HIGH, "learning rate")
            .define("learner.rl.batch", Type.INT, 8, Importance.HIGH, "rl batch")
            .define("buffer.capacity", Type.INT, 100, Importance.HIGH, "capacity");
    private static final ServiceSpec SPEC = ServiceSpec.builder("learner").config(DEF)
            .renamed("lr", "learner.lr").producerOverrides().consumerOverrides().build();

    @Test void acceptsOwnRunSerdeCommonClientAndPrefixedClientKeys() {
        Map<String, Object> ok = ConfigContract.check(SPEC, Map.of("learner.lr", "0.1", "run", "r",
                "auto.register.schemas", "false", "security.protocol", "SASL_SSL", "sasl.jaas.config", "x",
                "ssl.truststore.location", "/t", "producer.linger.ms", "5", "consumer.fetch.max.bytes", "1"));
        assertThat(ok).hasSize(8);
    }

    @Test void anUnknownKeyFailsNamingItAndTheNearestValidOne() {
        assertThatThrownBy(() -> ConfigContract.check(SPEC, Map.of("learner.lrr", "0.1")))
                .isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("'learner.lrr'").hasMessageContaining("did you mean 'learner.lr'");
        // A producer-only key without its prefix is not a common client key.
        assertThatThrownBy(() -> ConfigContract.check(SPEC, Map.of("linger.ms", "5")))
                .isInstanceOf(UnknownConfigException.class).hasMessageContaining("'linger.ms'");
        assertThatThrownBy(() -> ConfigContract.check(SPEC, Map.of("producer.lingerms", "5")))
                .isInstanceOf(UnknownConfigException.class);
        // The command line is strict: another service's key is an error there.
        assertThatThrownBy(() -> ConfigContract.check(SPEC, Map.of("grader.parallelism", "2")))
                .isInstanceOf(UnknownConfigException.class).hasMessageContaining("for the learner");
    }

    @Test void theSerdesKeysAreReadFromTheEnvironmentAndATypoOfAClientKeyIsToldTheClientKey() {
        assertThat(ConfigContract.fromEnvironment(SPEC, Map.of("RLTF_BASIC_AUTH_CREDENTIALS_SOURCE", "USER_INFO",
                "RLTF_BASIC_AUTH_USER_INFO", "u:p"))).containsOnly(Map.entry("basic.auth.credentials.source", "USER_INFO"),
                Map.entry("basic.auth.user.info", "u:p"));
        assertThatThrownBy(() -> ConfigContract.check(SPEC, Map.of("security.protocoll", "SASL_SSL")))
                .isInstanceOf(UnknownConfigException.class).hasMessageContaining("did you mean 'security.protocol'");
    }

    @Test void anOldNameIsAcceptedUnderItsNewName() {
        assertThat(ConfigContract.check(SPEC, Map.of("lr", "0.5"))).containsExactly(Map.entry("learner.lr", "0.5"));
        // Both given: the new name wins.
        assertThat(ConfigContract.check(SPEC, Map.of("lr", "0.5", "learner.lr", "0.7")))
                .containsExactly(Map.entry("learner.lr", "0.7"));
    }

    @Test void cliBeatsEnvironmentBeatsFileBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("learner.properties");
        Files.writeString(file, """
                run=from-file
                learner.lr=0.1
                learner.rl.batch=3
                buffer.capacity=7
                # another service's key in a shared file is skipped
                grader.parallelism=4
                """);
        Map<String, String> env = Map.of("RLTF_LEARNER_LR", "0.2", "RLTF_BUFFER_CAPACITY", "9",
                "RLTF_KAFKA_SECURITY_PROTOCOL", "SSL", "RLTF_KAFKA_PRODUCER_LINGER_MS", "7",
                "RLTF_DATA", "/data", "RLTF_GRADER_PARALLELISM", "2", "PATH", "/bin");
        Map<String, Object> resolved = ConfigContract.resolve(SPEC, Map.of("learner.lr", "0.3"), file, env);
        assertThat(resolved).containsEntry("learner.lr", "0.3")        // CLI over env over file
                .containsEntry("buffer.capacity", "9")                  // env over file
                .containsEntry("learner.rl.batch", "3")                 // file only
                .containsEntry("run", "from-file")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("producer.linger.ms", "7")
                .doesNotContainKeys("grader.parallelism", "data");
        // What the ConfigDef parses: the defaults fill the rest.
        Map<String, Object> parsed = DEF.parse(Map.of("run", "r", "bootstrap.servers", "b:1", "schema.registry.url", "u"));
        assertThat(parsed).containsEntry("learner.rl.batch", 8);
    }

    @Test void aTypoInTheServicesOwnPrefixFailsFromEveryPlace(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigContract.resolve(SPEC, Map.of(), null, Map.of("RLTF_LEARNER_LRR", "1")))
                .isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("learner.lrr").hasMessageContaining("RLTF_LEARNER_LRR");
        assertThatThrownBy(() -> ConfigContract.resolve(SPEC, Map.of(), null, Map.of("RLTF_KAFKA_LINGER_MS", "1")))
                .isInstanceOf(UnknownConfigException.class).hasMessageContaining("linger.ms");
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "buffer.capasity=3\n");
        assertThatThrownBy(() -> ConfigContract.resolve(SPEC, Map.of(), file, Map.of()))
                .isInstanceOf(UnknownConfigException.class)
                .hasMessageContaining("buffer.capasity").hasMessageContaining("buffer.capacity")
                .hasMessageContaining(file.toString());
        assertThatThrownBy(() -> ConfigContract.resolve(SPEC, Map.of(), dir.resolve("missing"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test void envNamesAndEditDistance() {
        assertThat(ConfigContract.envName("learner.rl.batch")).isEqualTo("RLTF_LEARNER_RL_BATCH");
        assertThat(ConfigContract.envName("bootstrap.servers")).isEqualTo("RLTF_BOOTSTRAP_SERVERS");
        assertThat(ConfigContract.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(ConfigContract.editDistance("", "abc")).isEqualTo(3);
    }

    @Test void helpPrintsValidValuesNotLambdas() {
        String help = ConfigHelp.describe(SPEC);
        assertThat(help).contains("run  (string, required, valid: a run name").contains("RLTF_LEARNER_RL_BATCH")
                .contains("lr -> learner.lr").doesNotContain("$$Lambda");
    }

    @Test void serviceMainExitsTwoOnAnUnknownKeyNamingIt() {
        var err = new java.io.ByteArrayOutputStream();
        int status = ServiceMain.launch(SPEC, new String[] {"learner.lrr=1"}, Map.of(), c -> {
            throw new AssertionError("must not be created");
        }, new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("learner: invalid configuration").contains("did you mean 'learner.lr'");
    }
}
