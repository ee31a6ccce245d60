package org.rltf.broker.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;
import org.rltf.schemas.serde.CachedSchemaRegistryClient;
import org.rltf.schemas.serde.CompatibilityLevel;
import org.rltf.schemas.serde.RegisteredSchema;
import org.rltf.schemas.serde.RegistryState;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded schema registry: the subset of Confluent Schema Registry's REST API that serdes and tools use, over
 * the JDK's HTTP server, storing its state in a compacted Kafka topic ({@code _schemas}) as Confluent's does.
 *
 * <p>Two parts, wired here: {@link KafkaSchemaStore} keeps the state as the fold of the topic (every request first
 * catches up with it; a write is acknowledged and read back before the request is answered, so ids survive
 * restarts), and a {@link Routes} table maps each endpoint to its handler.
 *
 * <p>Endpoints: {@code GET /subjects}, {@code GET|POST /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}[/schema]},
 * {@code POST /subjects/{s}} (lookup), {@code GET /schemas/ids/{id}[/schema]}, {@code GET /schemas/types}, {@code GET|PUT /config},
 * {@code GET|PUT|DELETE /config/{s}}, {@code POST /compatibility/subjects/{s}/versions/{v|latest}}. Deleting
 * subjects or versions is not implemented (405).
 *
 * <p>With {@link SchemaRegistryConfig#AUTHENTICATION_BASIC_USER_INFO_CONFIG} set, a request without those HTTP Basic
 * credentials is answered 401 before it reaches the store.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SchemaRegistryConfig config;
    private final KafkaSchemaStore store;
    private final Routes routes = routes();
    private final HttpServer http;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final byte[] expectedAuthorization; // null: no authentication

    private SchemaRegistryServer(SchemaRegistryConfig config) throws IOException {
        this.config = config;
        String userInfo = config.basicAuthUserInfo();
        this.expectedAuthorization = userInfo == null ? null : ("Basic " + Base64.getEncoder()
                .encodeToString(userInfo.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.store = KafkaSchemaStore.open(config);
        try {
            URI listener = config.listener();
            // Headers and body go out in two writes; with Nagle's algorithm on, the client's delayed ACK holds the
            // body ~40 ms. The JDK server reads this property once, when its first server starts.
            if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
            this.http = HttpServer.create(new InetSocketAddress(listener.getHost(), listener.getPort()), 64);
            AtomicInteger threads = new AtomicInteger();
            this.executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "schema-registry-http-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(executor);
            http.createContext("/", this::handle);
            http.start();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        log.info("Schema registry listening on {}, stored in {} ({} subjects, max id {})", url(), store.topic(),
                store.state().subjects().size(), store.state().maxId());
    }

    /** Starts a registry with {@code config} (see {@link SchemaRegistryConfig}); blocks until it has read its topic. */
    public static SchemaRegistryServer start(Map<String, ?> config) throws IOException {
        return new SchemaRegistryServer(new SchemaRegistryConfig(config));
    }

    /** A registry on a free loopback port storing in {@code _schemas} of {@code bootstrapServers}. */
    public static SchemaRegistryServer start(String bootstrapServers) throws IOException {
        return start(bootstrapServers, 0);
    }

    public static SchemaRegistryServer start(String bootstrapServers, int port) throws IOException {
        return start(Map.of(SchemaRegistryConfig.KAFKASTORE_BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                SchemaRegistryConfig.LISTENERS_CONFIG, "http://127.0.0.1:" + port));
    }

    /** Base URL for {@code schema.registry.url}. */
    public String url() {
        InetSocketAddress address = http.getAddress();
        return "http://" + config.listener().getHost() + ":" + address.getPort();
    }

    public int port() { return http.getAddress().getPort(); }

    // ---- the routes (each runs inside store.atomically: caught up, under the store's lock) ----

    private Routes routes() {
        String any = Routes.ANY;
        return new Routes()
                .add("GET", "/", r -> NODES.objectNode())
                .add("GET", "/subjects", r -> strings(state().subjects()))
                .add("POST", "/subjects/{subject}", r -> lookup(r.param("subject"), r.body()))
                .add("GET", "/subjects/{subject}/versions", r -> ints(state().versions(r.param("subject"))))
                .add("POST", "/subjects/{subject}/versions", r -> register(r.param("subject"), r.body()))
                .add(any, "/subjects/{subject}/versions", SchemaRegistryServer::notAllowed)
                .add("GET", "/subjects/{subject}/versions/{version}",
                        r -> describe(state().version(r.param("subject"), r.param("version"))))
                .add("GET", "/subjects/{subject}/versions/{version}/schema",
                        r -> state().version(r.param("subject"), r.param("version")).schema().toString())
                .add("DELETE", "/subjects/{subject}/**", SchemaRegistryServer::notAllowed)
                .add("GET", "/schemas/types", r -> NODES.arrayNode().add("AVRO"))
                .add("GET", "/schemas/ids/{id}", r -> NODES.objectNode().put("schema", schemaById(r.param("id")).toString()))
                .add("GET", "/schemas/ids/{id}/schema", r -> schemaById(r.param("id")).toString())
                .add("GET", "/config", r -> compatibilityOf(null, r.query()))
                .add("PUT", "/config", r -> setCompatibility(null, r.body()))
                .add(any, "/config", SchemaRegistryServer::notAllowed)
                .add("GET", "/config/{subject}", r -> compatibilityOf(r.param("subject"), r.query()))
                .add("PUT", "/config/{subject}", r -> setCompatibility(r.param("subject"), r.body()))
                .add("DELETE", "/config/{subject}", r -> clearCompatibility(r.param("subject")))
                .add(any, "/config/{subject}", SchemaRegistryServer::notAllowed)
                .add("POST", "/compatibility/subjects/{subject}/versions/{version}",
                        r -> compatibility(r.param("subject"), r.param("version"), r.body()));
    }

    private RegistryState state() { return store.state(); }

    private JsonNode register(String subject, JsonNode body) {
        return NODES.objectNode().put("id", store.register(subject, schemaOf(body)).id());
    }

    private JsonNode lookup(String subject, JsonNode body) {
        Schema schema = schemaOf(body);
        state().versions(subject); // 40401 for an unknown subject
        RegisteredSchema r = state().lookup(subject, schema).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found"));
        return describe(r);
    }

    private Schema schemaById(String rawId) {
        int id;
        try {
            id = Integer.parseInt(rawId);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + rawId + " not found");
        }
        return state().schemaById(id).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
    }

    private JsonNode compatibility(String subject, String version, JsonNode body) {
        Schema schema = schemaOf(body);
        List<String> messages = state().testCompatibility(subject, schema, version);
        ObjectNode answer = NODES.objectNode().put("is_compatible", messages.isEmpty());
        if (!messages.isEmpty()) {
            ArrayNode list = answer.putArray("messages");
            messages.forEach(list::add);
        }
        return answer;
    }

    /** The level of {@code subject} (null: the global one); a subject without its own is 40408 unless defaultToGlobal. */
    private JsonNode compatibilityOf(String subject, Map<String, String> query) {
        if (subject != null && state().subjectCompatibility(subject).isEmpty() && !"true".equals(query.get("defaultToGlobal")))
            throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        return NODES.objectNode().put("compatibilityLevel", state().compatibility(subject).name());
    }

    private JsonNode setCompatibility(String subject, JsonNode body) {
        CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").asText(null));
        store.setCompatibility(subject, level);
        return NODES.objectNode().put("compatibility", level.name());
    }

    private JsonNode clearCompatibility(String subject) {
        CompatibilityLevel previous = state().subjectCompatibility(subject).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found."));
        store.clearCompatibility(subject);
        return NODES.objectNode().put("compatibilityLevel", previous.name());
    }

    private static Schema schemaOf(JsonNode body) {
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type))
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema type " + type + ": this registry stores AVRO only");
        if (body.hasNonNull("references") && !body.get("references").isEmpty())
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Schema references are not supported");
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual())
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: the request has no 'schema' string");
        return RegistryState.parse(schema.asText());
    }

    private static ObjectNode describe(RegisteredSchema r) {
        return NODES.objectNode().put("subject", r.subject()).put("version", r.version()).put("id", r.id())
                .put("schema", r.schema().toString());
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = NODES.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static ArrayNode ints(List<Integer> values) {
        ArrayNode a = NODES.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static Object notAllowed(Routes.Request r) {
        throw new SchemaRegistryException(405, 405, "HTTP 405 Method Not Allowed: " + r.method() + " is not supported here");
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        JsonNode answer;
        String raw = null;
        try {
            if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"SchemaRegistry\"");
                throw new SchemaRegistryException(401, 401, "Unauthorized");
            }
            String method = exchange.getRequestMethod();
            List<String> path = segments(exchange.getRequestURI().getRawPath());
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            JsonNode body = "POST".equals(method) || "PUT".equals(method) ? readBody(exchange.getRequestBody()) : null;
            Object result = store.atomically(() -> routes.dispatch(method, path, query, body));
            if (result instanceof String s) raw = s;
            answer = result instanceof JsonNode j ? j : null;
        } catch (SchemaRegistryException e) {
            status = e.status() > 0 ? e.status() : 500;
            answer = error(e.errorCode(), e.registryMessage());
        } catch (RuntimeException e) {
            log.warn("Schema registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            status = 500;
            answer = error(500, "Internal error: " + e);
        }
        byte[] bytes = raw != null ? raw.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", raw != null ? "application/json" : CachedSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private boolean authorized(HttpExchange exchange) {
        if (expectedAuthorization == null) return true;
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        // Constant time: how long a comparison takes says nothing of how much of the secret matched.
        return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode readBody(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        try {
            JsonNode node = bytes.length == 0 ? NODES.objectNode() : JSON.readTree(bytes);
            if (!node.isObject()) throw new SchemaRegistryException(422, 422, "Expected a JSON object as the request body");
            return node;
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(400, 400, "Malformed JSON request body: " + e.getOriginalMessage());
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> result = new ArrayList<>();
        for (String s : rawPath.split("/")) if (!s.isEmpty()) result.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
        return result;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> result = new HashMap<>();
        if (rawQuery == null) return result;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) result.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            else if (!pair.isEmpty()) result.put(pair, "");
        }
        return result;
    }

    private static JsonNode error(int code, String message) {
        return NODES.objectNode().put("error_code", code).put("message", message);
    }

    @Override public void close() {
        if (!closed.compareAndSet(false, true)) return;
        store.close(); // from here on a request is answered 503; the one in hand finishes first
        http.stop(0);
        executor.shutdownNow();
        log.info("Schema registry on port {} stopped", http.getAddress().getPort());
    }
}
