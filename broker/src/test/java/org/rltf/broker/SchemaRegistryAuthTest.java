package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.events.Checkpoint;
import org.rltf.events.Sample;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroSerdeConfig;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.SchemaRegistryClient;
import org.rltf.schemas.serde.SchemaRegistryException;

/**
 * A registry that requires HTTP Basic credentials, as a managed one does, and the serde's client with Confluent's
 * {@code basic.auth.*} keys: with the credentials it works, without them or with wrong ones it fails at once with a
 * message naming the registry and the keys to set, and the password never appears in what the client prints.
 */
@ExtendWith(KafkaExtension.class)
class SchemaRegistryAuthTest {
    private static final String USER_INFO = "rltf-user:s3cret:with:colons";

    private static SchemaRegistryServer start(KafkaEnv env) throws Exception {
        return SchemaRegistryServer.start(Map.of(
                SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                SchemaRegistryConfig.KAFKASTORE_TOPIC_CONFIG, "_schemas-auth-" + UUID.randomUUID(),
                SchemaRegistryConfig.LISTENERS_CONFIG, "http://127.0.0.1:0",
                SchemaRegistryConfig.AUTHENTICATION_BASIC_USER_INFO_CONFIG, USER_INFO));
    }

    private static Map<String, Object> serde(String url, String source, String userInfo) {
        Map<String, Object> c = new HashMap<>();
        c.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, url);
        if (source != null) c.put(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, source);
        if (userInfo != null) c.put(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG, userInfo);
        return c;
    }

    @Test void withTheCredentialsTheSerdeRegistersAndReads(KafkaEnv env) throws Exception {
        try (SchemaRegistryServer registry = start(env)) {
            String topic = Topics.forRun("auth").samples();
            Map<String, Object> config = serde(registry.url(), "USER_INFO", USER_INFO);
            try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, config, false)) {
                Sample sample = Events.sample("auth");
                byte[] bytes = serde.serializer().serialize(topic, sample);
                assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(sample);
            }
            try (SchemaRegistryClient client = SchemaRegistryClient.create(config)) {
                assertThat(client.getSubjects()).containsExactly(topic + "-value");
                assertThat(client.toString()).doesNotContain("s3cret");
            }
        }
    }

    @Test void theCredentialsMayBeTheUrlsUserInfo(KafkaEnv env) throws Exception {
        try (SchemaRegistryServer registry = start(env)) {
            // In a URL a ':' of the password is %3A; the user info is decoded before it is sent.
            String url = registry.url().replace("http://", "http://rltf-user:s3cret%3Awith%3Acolons@");
            try (SchemaRegistryClient client = SchemaRegistryClient.create(serde(url, null, null))) {
                int id = client.register("c-value", Checkpoint.getClassSchema());
                assertThat(client.getSchemaById(id)).isEqualTo(Checkpoint.getClassSchema());
                assertThat(client.toString()).contains(registry.url()).doesNotContain("s3cret");
            }
        }
    }

    @Test void withoutCredentialsTheClientIsToldWhichKeysToSet(KafkaEnv env) throws Exception {
        try (SchemaRegistryServer registry = start(env);
             SchemaRegistryClient client = SchemaRegistryClient.create(serde(registry.url(), null, null))) {
            assertThatThrownBy(() -> client.register("c-value", Checkpoint.getClassSchema()))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
                    .hasMessageContaining("Schema registry " + registry.url())
                    .hasMessageContaining("401 Unauthorized")
                    .hasMessageContaining("none were sent")
                    .hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
            // A bare HTTP client gets the challenge, as from Confluent's registry.
            HttpResponse<String> bare = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(registry.url() + "/subjects")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bare.statusCode()).isEqualTo(401);
            assertThat(bare.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        }
    }

    @Test void wrongCredentialsAreRejectedWithoutEchoingThem(KafkaEnv env) throws Exception {
        try (SchemaRegistryServer registry = start(env);
             SchemaRegistryClient client = SchemaRegistryClient.create(serde(registry.url(), "USER_INFO", "rltf-user:wrong-pw"))) {
            assertThatThrownBy(client::getSubjects)
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("rejected the credentials")
                    .hasMessageNotContaining("wrong-pw");
        }
    }

    @Test void userInfoIsRequiredWithItsSourceAndNeverPrinted() {
        assertThatThrownBy(() -> new AvroSerdeConfig(serde("http://127.0.0.1:9", "USER_INFO", null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG);
        assertThatThrownBy(() -> new AvroSerdeConfig(serde("http://127.0.0.1:9", "USER_INFO", "no-colon-secret")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("USER:PASSWORD")
                .hasMessageNotContaining("no-colon-secret");
        assertThatThrownBy(() -> new AvroSerdeConfig(serde("http://127.0.0.1:9", "SASL_INHERIT", null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG);
        assertThatThrownBy(() -> new AvroSerdeConfig(serde("ftp://u:pw-in-url@h:1", null, null)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ftp://h:1").hasMessageNotContaining("pw-in-url");
        // Confluent's values in any case, as Confluent's serde takes them.
        assertThat(new AvroSerdeConfig(serde("https://h:1", "user_info", "u:p")).basicAuthUserInfo()).isEqualTo("u:p");
        assertThat(new AvroSerdeConfig(serde("https://h:1", null, "u:p")).basicAuthUserInfo()).isNull();
    }

    @Test void theServersCredentialsAreCheckedAndItsStoreTakesOnlyClientKeys(KafkaEnv env) {
        Map<String, Object> base = Map.of(SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
        Map<String, Object> noColon = new HashMap<>(base);
        noColon.put(SchemaRegistryConfig.AUTHENTICATION_BASIC_USER_INFO_CONFIG, "justasecret");
        assertThatThrownBy(() -> new SchemaRegistryConfig(noColon)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(SchemaRegistryConfig.AUTHENTICATION_BASIC_USER_INFO_CONFIG)
                .hasMessageNotContaining("justasecret");
        Map<String, Object> typo = new HashMap<>(base);
        typo.put("kafkastore.security.protocoll", "SASL_SSL");
        assertThatThrownBy(() -> new SchemaRegistryConfig(typo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafkastore.security.protocoll");
        Map<String, Object> sasl = new HashMap<>(base);
        sasl.put("kafkastore.security.protocol", "SASL_SSL");
        sasl.put("kafkastore.sasl.mechanism", "PLAIN");
        assertThat(new SchemaRegistryConfig(sasl).storeClients()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN").containsEntry("bootstrap.servers", env.bootstrapServers())
                .doesNotContainKey("topic");
    }
}
