package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.events.Checkpoint;
import org.rltf.events.Sample;
import org.rltf.schemas.serde.CompatibilityLevel;
import org.rltf.broker.registry.SchemaRegistryConfig;
import org.rltf.broker.registry.SchemaRegistryServer;
import org.rltf.schemas.serde.AvroSerdeConfig;
import org.rltf.schemas.serde.AvroSerdes;
import org.rltf.schemas.serde.CachedSchemaRegistryClient;
import org.rltf.schemas.serde.IncompatibleSchemaException;
import org.rltf.schemas.serde.RegisteredSchema;
import org.rltf.schemas.serde.SchemaRegistryException;

/**
 * The embedded registry against the real broker. Each test stores in its own topic (not the shared registry's
 * {@code _schemas}) so it can stop and restart its registry freely.
 */
@ExtendWith(KafkaExtension.class)
class SchemaRegistryServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SchemaRegistryServer start(KafkaEnv env, String topic) throws Exception {
        return SchemaRegistryServer.start(Map.of(
                SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                SchemaRegistryConfig.KAFKASTORE_TOPIC_CONFIG, topic,
                SchemaRegistryConfig.LISTENERS_CONFIG, "http://127.0.0.1:0"));
    }

    private static Schema withExtraField(Schema schema, String field, String typeAndDefault) {
        String json = schema.toString();
        String withField = json.substring(0, json.lastIndexOf(']')) + ",{\"name\":\"" + field + "\"," + typeAndDefault + "}]}";
        return new Schema.Parser().parse(withField);
    }

    @Test void idsSurviveARestartAndIncompatibleChangesAreRefused(KafkaEnv env) throws Exception {
        String store = "_schemas-test-" + UUID.randomUUID();
        Schema sampleV2 = withExtraField(Sample.getClassSchema(), "prompt_hash", "\"type\":\"string\",\"default\":\"\"");
        int sampleId, sampleV2Id, checkpointId;
        try (SchemaRegistryServer registry = start(env, store);
             CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(registry.url())) {
            sampleId = client.register("rltf.r.samples-value", Sample.getClassSchema());
            checkpointId = client.register("rltf.r.checkpoints-value", Checkpoint.getClassSchema());
            sampleV2Id = client.register("rltf.r.samples-value", sampleV2);
            assertThat(List.of(sampleId, checkpointId, sampleV2Id)).containsExactly(1, 2, 3);
            // Registering again changes nothing, also for a fresh client (no cache).
            try (CachedSchemaRegistryClient fresh = new CachedSchemaRegistryClient(registry.url())) {
                assertThat(fresh.register("rltf.r.samples-value", Sample.getClassSchema())).isEqualTo(sampleId);
                // The same schema under another subject keeps its global id.
                assertThat(fresh.register("rltf.other.samples-value", Sample.getClassSchema())).isEqualTo(sampleId);
            }
        }

        try (SchemaRegistryServer restarted = start(env, store);
             CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(restarted.url())) {
            assertThat(client.getSchemaById(sampleId)).isEqualTo(Sample.getClassSchema());
            assertThat(client.getSchemaById(sampleV2Id)).isEqualTo(sampleV2);
            assertThat(client.getVersions("rltf.r.samples-value")).containsExactly(1, 2);
            RegisteredSchema latest = client.getLatestVersion("rltf.r.samples-value");
            assertThat(latest.version()).isEqualTo(2);
            assertThat(latest.id()).isEqualTo(sampleV2Id);
            assertThat(client.register("rltf.r.checkpoints-value", Checkpoint.getClassSchema())).isEqualTo(checkpointId);
            assertThat(client.getSubjects()).containsExactly("rltf.other.samples-value", "rltf.r.checkpoints-value", "rltf.r.samples-value");
            // New ids continue after the old ones.
            Schema checkpointV2 = withExtraField(Checkpoint.getClassSchema(), "note", "\"type\":\"string\",\"default\":\"\"");
            assertThat(client.register("rltf.r.checkpoints-value", checkpointV2)).isEqualTo(4);

            // A new required field: BACKWARD (the default) refuses, naming the field.
            Schema incompatible = withExtraField(sampleV2, "batch_id", "\"type\":\"string\"");
            assertThat(client.testCompatibility("rltf.r.samples-value", incompatible)).isNotEmpty();
            assertThatThrownBy(() -> client.register("rltf.r.samples-value", incompatible))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.errorCode()).isEqualTo(409);
                        assertThat(e.registryMessage()).contains("incompatible with an earlier schema")
                                .contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("batch_id");
                    });
            assertThat(client.getVersions("rltf.r.samples-value")).containsExactly(1, 2);

            // Under NONE for that subject it is accepted; the level is stored too.
            client.setCompatibility("rltf.r.samples-value", CompatibilityLevel.NONE);
            assertThat(client.getCompatibility("rltf.r.samples-value")).isEqualTo(CompatibilityLevel.NONE);
            assertThat(client.getCompatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
            assertThat(client.register("rltf.r.samples-value", incompatible)).isEqualTo(5);
        }

        try (SchemaRegistryServer again = start(env, store);
             CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(again.url())) {
            assertThat(client.getCompatibility("rltf.r.samples-value")).isEqualTo(CompatibilityLevel.NONE);
            assertThat(client.getVersions("rltf.r.samples-value")).containsExactly(1, 2, 3);
            assertThat(client.getVersion("rltf.r.samples-value", 3).id()).isEqualTo(5);
        }
    }

    @Test void serializerReportsTheRegistrysRefusal(KafkaEnv env) throws Exception {
        String run = env.createRun("incompatible");
        String topic = org.rltf.schemas.Topics.forRun(run).samples();
        try (CachedSchemaRegistryClient client = new CachedSchemaRegistryClient(env.schemaRegistryUrl())) {
            // Someone registered a Sample whose sample_id is a long: the generated Sample (string) cannot follow.
            com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(Sample.getClassSchema().toString());
            for (JsonNode field : json.get("fields"))
                if (field.get("name").asText().equals("sample_id")) ((com.fasterxml.jackson.databind.node.ObjectNode) field).put("type", "long");
            Schema other = new Schema.Parser().parse(json.toString());
            client.register(topic + "-value", other);
        }
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, env.clientConfig(), false)) {
            assertThatThrownBy(() -> serde.serializer().serialize(topic, Events.sample(run)))
                    .isInstanceOf(IncompatibleSchemaException.class)
                    .hasMessageContaining("refused for subject " + topic + "-value")
                    .hasMessageContaining("sample_id");
        }
    }

    @Test void restApiSpeaksConfluentsErrorCodes(KafkaEnv env) throws Exception {
        try (SchemaRegistryServer registry = start(env, "_schemas-rest-" + UUID.randomUUID())) {
            String url = registry.url();
            String schema = JSON.writeValueAsString(Map.of("schema", Checkpoint.getClassSchema().toString()));

            Response created = call("POST", url + "/subjects/s1-value/versions", schema);
            assertThat(created.status).isEqualTo(200);
            assertThat(created.contentType).isEqualTo("application/vnd.schemaregistry.v1+json");
            assertThat(created.json.get("id").asInt()).isEqualTo(1);
            assertThat(call("POST", url + "/subjects/s1-value/versions", schema).json.get("id").asInt()).isEqualTo(1);

            assertThat(call("GET", url + "/subjects", null).json.toString()).isEqualTo("[\"s1-value\"]");
            assertThat(call("GET", url + "/subjects/s1-value/versions", null).json.toString()).isEqualTo("[1]");
            JsonNode latest = call("GET", url + "/subjects/s1-value/versions/latest", null).json;
            assertThat(latest.get("subject").asText()).isEqualTo("s1-value");
            assertThat(latest.get("version").asInt()).isEqualTo(1);
            assertThat(latest.get("id").asInt()).isEqualTo(1);
            assertThat(new Schema.Parser().parse(latest.get("schema").asText())).isEqualTo(Checkpoint.getClassSchema());
            assertThat(call("GET", url + "/subjects/s1-value/versions/1", null).json).isEqualTo(latest);
            assertThat(new Schema.Parser().parse(call("GET", url + "/schemas/ids/1", null).json.get("schema").asText()))
                    .isEqualTo(Checkpoint.getClassSchema());
            assertThat(call("POST", url + "/subjects/s1-value", schema).json.get("id").asInt()).isEqualTo(1);

            assertError(call("GET", url + "/subjects/nope/versions", null), 404, 40401);
            assertError(call("GET", url + "/subjects/s1-value/versions/7", null), 404, 40402);
            assertError(call("GET", url + "/schemas/ids/99", null), 404, 40403);
            assertError(call("POST", url + "/subjects/s1-value/versions", "{\"schema\":\"{not avro\"}"), 422, 42201);
            assertError(call("POST", url + "/subjects/s1-value/versions", "{\"schema\":\"{\\\"type\\\":\\\"record\\\"}\"}"), 422, 42201);
            assertError(call("POST", url + "/subjects/s1-value",
                    JSON.writeValueAsString(Map.of("schema", Sample.getClassSchema().toString()))), 404, 40403);
            assertError(call("GET", url + "/nothing/here", null), 404, 404);

            assertThat(call("GET", url + "/config", null).json.get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
            assertThat(call("PUT", url + "/config", "{\"compatibility\":\"FULL_TRANSITIVE\"}").json.get("compatibility").asText())
                    .isEqualTo("FULL_TRANSITIVE");
            assertThat(call("GET", url + "/config", null).json.get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
            assertError(call("GET", url + "/config/s1-value", null), 404, 40408);
            assertThat(call("GET", url + "/config/s1-value?defaultToGlobal=true", null).json.get("compatibilityLevel").asText())
                    .isEqualTo("FULL_TRANSITIVE");
            assertThat(call("PUT", url + "/config/s1-value", "{\"compatibility\":\"NONE\"}").status).isEqualTo(200);
            assertThat(call("GET", url + "/config/s1-value", null).json.get("compatibilityLevel").asText()).isEqualTo("NONE");
            assertError(call("PUT", url + "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);

            String dropped = JSON.writeValueAsString(Map.of("schema",
                    "{\"type\":\"record\",\"name\":\"Checkpoint\",\"namespace\":\"org.rltf.events\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}"));
            call("PUT", url + "/config/s1-value", "{\"compatibility\":\"BACKWARD\"}");
            JsonNode verdict = call("POST", url + "/compatibility/subjects/s1-value/versions/latest", dropped).json;
            assertThat(verdict.get("is_compatible").asBoolean()).isFalse();
            assertThat(verdict.get("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
            assertThat(call("POST", url + "/compatibility/subjects/s1-value/versions/1", schema).json.get("is_compatible").asBoolean()).isTrue();
            Response refused = call("POST", url + "/subjects/s1-value/versions", dropped);
            assertError(refused, 409, 409);
            assertThat(refused.json.get("message").asText()).contains("s1-value");

            // The rest of the route table: raw schemas, types, a subject's level dropped, what is not allowed.
            assertThat(new Schema.Parser().parse(call("GET", url + "/schemas/ids/1/schema", null).json.toString()))
                    .isEqualTo(Checkpoint.getClassSchema());
            assertThat(new Schema.Parser().parse(call("GET", url + "/subjects/s1-value/versions/1/schema", null).json
                    .toString())).isEqualTo(Checkpoint.getClassSchema());
            assertThat(call("GET", url + "/schemas/types", null).json.toString()).isEqualTo("[\"AVRO\"]");
            assertThat(call("GET", url + "/", null).json.toString()).isEqualTo("{}");
            assertError(call("GET", url + "/schemas/ids/abc", null), 404, 40403);
            assertThat(call("DELETE", url + "/config/s1-value", null).json.get("compatibilityLevel").asText())
                    .isEqualTo("BACKWARD");
            assertError(call("GET", url + "/config/s1-value", null), 404, 40408);
            assertError(call("DELETE", url + "/config/s1-value", null), 404, 40401);
            assertError(call("DELETE", url + "/config", null), 405, 405);
            assertError(call("POST", url + "/config/s1-value", "{}"), 405, 405);
            assertError(call("PUT", url + "/subjects/s1-value/versions", schema), 405, 405);
            assertError(call("DELETE", url + "/subjects/s1-value", null), 405, 405);
            assertError(call("DELETE", url + "/subjects/s1-value/versions/1", null), 405, 405);
            assertError(call("PUT", url + "/subjects/s1-value", schema), 404, 404);
            assertError(call("GET", url + "/config/a/b", null), 404, 404);
            assertError(call("POST", url + "/subjects/s1-value/versions", "not json"), 400, 400);
            assertThat(call("GET", url + "/subjects/s1-value/versions", null).json.toString()).isEqualTo("[1]");
        }
    }

    @Test void badConfigFailsAtStartNamingTheKey(KafkaEnv env) {
        assertThatThrownBy(() -> SchemaRegistryServer.start(Map.of(SchemaRegistryConfig.LISTENERS_CONFIG, "http://127.0.0.1:0")))
                .hasMessageContaining(SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG);
        assertThatThrownBy(() -> SchemaRegistryServer.start(Map.of(
                SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                SchemaRegistryConfig.SCHEMA_COMPATIBILITY_LEVEL_CONFIG, "sometimes")))
                .hasMessageContaining(SchemaRegistryConfig.SCHEMA_COMPATIBILITY_LEVEL_CONFIG);
        assertThatThrownBy(() -> AvroSerdes.serde(Sample.class, Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "ftp://x"), false))
                .hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }

    private static void assertError(Response r, int status, int code) {
        assertThat(r.status).as(r.json.toString()).isEqualTo(status);
        assertThat(r.json.get("error_code").asInt()).as(r.json.toString()).isEqualTo(code);
        assertThat(r.json.get("message").asText()).isNotBlank();
    }

    private record Response(int status, String contentType, JsonNode json) {
    }

    private static Response call(String method, String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/vnd.schemaregistry.v1+json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), JSON.readTree(r.body()));
    }
}
