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
import java.util.Base64;
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
 *
 * <p>Credentials: HTTP Basic, from one USER:PASSWORD for every URL or from each URL's own user info
 * ({@link AvroSerdeConfig#BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG}). The user info is taken out of the URLs before
 * anything names them (errors, {@link #toString()}), so a password is never logged. {@code https://} URLs are
 * verified against the JVM's trust store ({@code javax.net.ssl.trustStore}).
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Endpoint> endpoints;
    private final Duration timeout;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    // Keyed by the schema's JSON: Avro's Schema.equals ignores docs, the registry does not.
    private record SubjectSchema(String subject, String schema) {
    }

    /** A registry URL without its user info, and the Authorization header it is called with (null: none). */
    private record Endpoint(String url, String authorization) {
        @Override public String toString() { return url; }
    }

    public CachedSchemaRegistryClient(String baseUrl) {
        this(List.of(baseUrl), Duration.ofSeconds(30));
    }

    /** A client that sends each URL's own user info, if it has one, as its credentials. */
    public CachedSchemaRegistryClient(List<String> baseUrls, Duration timeout) {
        this(baseUrls, timeout, null);
    }

    /**
     * A client of {@code baseUrls} (tried in order) that sends {@code userInfo} (USER:PASSWORD) to each as HTTP Basic
     * credentials; with null, each URL's own user info, if it has one.
     */
    public CachedSchemaRegistryClient(List<String> baseUrls, Duration timeout, String userInfo) {
        if (baseUrls.isEmpty()) throw new IllegalArgumentException("No schema registry URL");
        this.endpoints = baseUrls.stream().map(u -> endpoint(u, userInfo)).toList();
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
        for (Endpoint endpoint : endpoints) {
            String base = endpoint.url();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (endpoint.authorization() != null) request.header("Authorization", endpoint.authorization());
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
            if (response.statusCode() == 401 || response.statusCode() == 403)
                throw refused(endpoint, method, path, response);
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
                "Could not reach schema registry at " + endpoints + " for " + method + " " + path + ": " + lastFailure, lastFailure);
    }

    /** A 401 or 403: the credentials are missing or wrong, which no retry or other URL mends; says which key to set. */
    private static SchemaRegistryException refused(Endpoint endpoint, String method, String path, HttpResponse<String> response) {
        int status = response.statusCode();
        String why;
        if (status == 403) {
            why = "403 Forbidden: the user of the credentials sent may not do this";
        } else if (endpoint.authorization() == null) {
            why = "401 Unauthorized: it requires credentials and none were sent (set "
                    + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=USER_INFO and "
                    + AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG + "=USER:PASSWORD)";
        } else {
            why = "401 Unauthorized: it rejected the credentials sent (" + AvroSerdeConfig.BASIC_AUTH_USER_INFO_CONFIG
                    + " or the URL's user info)";
        }
        int code = status;
        try {
            code = response.body().isEmpty() ? status : JSON.readTree(response.body()).path("error_code").asInt(status);
        } catch (IOException e) {
            // not JSON (a proxy's page): the status is the code
        }
        return new SchemaRegistryException(status, code, "Schema registry " + endpoint.url() + " refused " + method
                + " " + path + " with " + why);
    }

    private static Endpoint endpoint(String rawUrl, String userInfo) {
        String url = AvroSerdeConfig.withoutUserInfo(rawUrl);
        if (url.endsWith("/")) url = url.substring(0, url.length() - 1);
        String credentials = userInfo;
        if (credentials == null) {
            String own;
            try {
                own = URI.create(rawUrl).getUserInfo(); // decoded: a URL carries '@' or ':' in a password as %40, %3A
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Not a URL: " + url);
            }
            credentials = own;
        }
        String authorization = credentials == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
        return new Endpoint(url, authorization);
    }

    private static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    @Override public String toString() {
        return "CachedSchemaRegistryClient" + endpoints;
    }
}
