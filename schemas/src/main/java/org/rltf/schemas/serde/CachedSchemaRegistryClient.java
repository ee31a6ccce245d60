package org.rltf.schemas.serde;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

/**
 * HTTP client of a Confluent-compatible schema registry (Confluent, Apicurio's ccompat API, Karapace, Redpanda,
 * or the embedded {@link org.rltf.broker.registry.SchemaRegistryServer}). Ids and schemas never change once
 * registered, so both directions are cached for the life of the client; versions and levels are asked each time.
 * Thread-safe.
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final Duration timeout;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    // Keyed by the schema's JSON: Avro's Schema.equals ignores docs, the registry does not.
    private record SubjectSchema(String subject, String schema) {
    }

    public CachedSchemaRegistryClient(String baseUrl) {
        this(List.of(baseUrl), Duration.ofSeconds(30));
    }

    public CachedSchemaRegistryClient(List<String> baseUrls, Duration timeout) {
        if (baseUrls.isEmpty()) throw new IllegalArgumentException("No schema registry URL");
        this.baseUrls = baseUrls.stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) return cached;
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        int id = request("POST", "/subjects/" + enc(subject) + "/versions", body).get("id").asInt();
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override public int getId(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) return cached;
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        int id = request("POST", "/subjects/" + enc(subject), body).get("id").asInt();
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) return cached;
        Schema schema = RegistryState.parse(request("GET", "/schemas/ids/" + id, null).get("schema").asText());
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override public RegisteredSchema getLatestVersion(String subject) {
        return registered(request("GET", "/subjects/" + enc(subject) + "/versions/latest", null));
    }

    @Override public RegisteredSchema getVersion(String subject, int version) {
        return registered(request("GET", "/subjects/" + enc(subject) + "/versions/" + version, null));
    }

    @Override public List<Integer> getVersions(String subject) {
        List<Integer> versions = new ArrayList<>();
        request("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
        return versions;
    }

    @Override public List<String> getSubjects() {
        List<String> subjects = new ArrayList<>();
        request("GET", "/subjects", null).forEach(v -> subjects.add(v.asText()));
        return subjects;
    }

    @Override public List<String> testCompatibility(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode answer = request("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest?verbose=true", body);
        if (answer.path("is_compatible").asBoolean(false)) return List.of();
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(m -> messages.add(m.asText()));
        if (messages.isEmpty()) messages.add("incompatible");
        return messages;
    }

    @Override public CompatibilityLevel getCompatibility(String subject) {
        String path = subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true";
        return CompatibilityLevel.parse(request("GET", path, null).get("compatibilityLevel").asText());
    }

    @Override public void setCompatibility(String subject, CompatibilityLevel level) {
        String path = subject == null ? "/config" : "/config/" + enc(subject);
        request("PUT", path, JSON.createObjectNode().put("compatibility", level.name()));
    }

    private RegisteredSchema registered(JsonNode node) {
        int id = node.get("id").asInt();
        Schema schema = schemasById.computeIfAbsent(id, i -> RegistryState.parse(node.get("schema").asText()));
        return new RegisteredSchema(node.get("subject").asText(), node.get("version").asInt(), id, schema);
    }

    /** Tries each URL in turn while the registry cannot be reached; an error answer is final. */
    private JsonNode request(String method, String path, JsonNode body) {
        IOException lastFailure = null;
        for (String base : baseUrls) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                lastFailure = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(-1, SchemaRegistryException.UNREACHABLE, "Interrupted calling schema registry " + base, e);
            }
            JsonNode answer;
            try {
                answer = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            } catch (IOException e) {
                throw new SchemaRegistryException(response.statusCode(), response.statusCode(),
                        "Schema registry " + base + " answered " + method + " " + path + " with non-JSON: " + abbreviate(response.body()), e);
            }
            if (response.statusCode() / 100 == 2) return answer;
            int code = answer.path("error_code").asInt(response.statusCode());
            String message = answer.path("message").asText(abbreviate(response.body()));
            throw new SchemaRegistryException(response.statusCode(), code, message);
        }
        throw new SchemaRegistryException(-1, SchemaRegistryException.UNREACHABLE,
                "Could not reach schema registry at " + baseUrls + " for " + method + " " + path + ": " + lastFailure, lastFailure);
    }

    private static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    @Override public String toString() {
        return "CachedSchemaRegistryClient" + baseUrls;
    }
}
