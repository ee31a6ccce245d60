package org.rltf.broker.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.rltf.kernel.TopicAdmin;
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
 * <p>The state is always the fold of the topic: on start the server reads the topic to its end; every request
 * first catches up with the topic; a write is produced, acknowledged, and then read back from the topic before the
 * request is answered. So ids survive restarts, and a second server on the same topic sees the first one's
 * schemas. Two servers writing at the same moment could both hand out the same id (Confluent elects a leader for
 * this); run one writer per cluster.
 *
 * <p>Endpoints: {@code GET /subjects}, {@code GET|POST /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}[/schema]},
 * {@code POST /subjects/{s}} (lookup), {@code GET /schemas/ids/{id}}, {@code GET /schemas/types}, {@code GET|PUT /config},
 * {@code GET|PUT|DELETE /config/{s}}, {@code POST /compatibility/subjects/{s}/versions/{v|latest}}. Deleting
 * subjects or versions is not implemented (405).
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SchemaRegistryConfig config;
    private final TopicPartition partition;
    private final Duration timeout;
    private final RegistryState state;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Object lock = new Object();
    private volatile boolean closed;

    private SchemaRegistryServer(SchemaRegistryConfig config) throws IOException {
        this.config = config;
        this.partition = new TopicPartition(config.topic(), 0);
        this.timeout = Duration.ofMillis(config.timeoutMs());
        this.state = new RegistryState(config.compatibilityLevel());
        String bootstrap = String.join(",", config.bootstrapServers());

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicAdmin.createIfMissing(admin, List.of(new NewTopic(config.topic(), java.util.Optional.of(1), java.util.Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
        }
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "schema-registry-store");
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "schema-registry-reader");
        // The consumer prefetches after each poll, and the broker answers one request per connection at a time:
        // with the default 500 ms long poll, the next request's end-offset lookup would wait behind it.
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            synchronized (lock) {
                catchUp();
            }
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
            producer.close(Duration.ZERO);
            consumer.close();
            throw e;
        }
        log.info("Schema registry listening on {}, stored in {} ({} subjects, max id {})", url(), config.topic(),
                state.subjects().size(), state.maxId());
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

    // ---- the store ----

    /** Reads the topic up to its current end, applying each record. Caller holds the lock. */
    private void catchUp() {
        Long end = consumer.endOffsets(Set.of(partition), timeout).get(partition);
        catchUpTo(end == null ? 0 : end);
    }

    private void catchUpTo(long offset) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(partition, timeout) < offset) {
            if (System.nanoTime() > deadline)
                throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR,
                        "Timed out reading " + config.topic() + " up to offset " + offset);
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) apply(record);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.key() == null) return;
            JsonNode key = JSON.readTree(record.key());
            JsonNode value = record.value() == null ? null : JSON.readTree(record.value());
            switch (key.path("keytype").asText()) {
                case "SCHEMA" -> {
                    if (value == null || value.path("deleted").asBoolean(false)) {
                        // Deleting schemas is not supported by this registry; a foreign tombstone is skipped.
                        log.warn("Skipping deleted schema record at {}:{}", config.topic(), record.offset());
                        return;
                    }
                    state.apply(new RegisteredSchema(value.get("subject").asText(), value.get("version").asInt(),
                            value.get("id").asInt(), RegistryState.parse(value.get("schema").asText())));
                }
                case "CONFIG" -> {
                    String subject = key.hasNonNull("subject") ? key.get("subject").asText() : null;
                    state.applyCompatibility(subject, value == null ? null
                            : CompatibilityLevel.parse(value.get("compatibilityLevel").asText()));
                }
                default -> { } // NOOP, MODE, DELETE_SUBJECT...: nothing this registry keeps
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Skipping unreadable record at {}:{}: {}", config.topic(), record.offset(), e.toString());
        }
    }

    /** Appends a record, waits for the acknowledgement, and reads up to it so the state includes it. */
    private void write(ObjectNode key, ObjectNode value) {
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(partition.topic(), partition.partition(),
                            JSON.writeValueAsBytes(key), value == null ? null : JSON.writeValueAsBytes(value)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            catchUpTo(metadata.offset() + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR, "Interrupted writing to " + config.topic(), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | JsonProcessingException | KafkaException e) {
            throw new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR,
                    "Error in the backend data store " + config.topic() + ": " + e, e);
        }
    }

    private static ObjectNode schemaKey(String subject, int version) {
        return NODES.objectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
    }

    private static ObjectNode configKey(String subject) {
        ObjectNode key = NODES.objectNode().put("keytype", "CONFIG");
        if (subject == null) key.putNull("subject"); else key.put("subject", subject);
        return key.put("magic", 0);
    }

    // ---- operations (caller holds the lock and has caught up) ----

    private JsonNode register(String subject, JsonNode body) {
        Schema schema = schemaOf(body);
        RegistryState.Registration registration = state.prepare(subject, schema);
        RegisteredSchema r = registration.schema();
        if (registration.isNew()) {
            write(schemaKey(subject, r.version()), NODES.objectNode().put("subject", subject).put("version", r.version())
                    .put("id", r.id()).put("schema", r.schema().toString()).put("deleted", false));
        }
        return NODES.objectNode().put("id", r.id());
    }

    private JsonNode lookup(String subject, JsonNode body) {
        Schema schema = schemaOf(body);
        state.versions(subject); // 40401 for an unknown subject
        RegisteredSchema r = state.lookup(subject, schema).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found"));
        return describe(r);
    }

    private JsonNode compatibility(String subject, String version, JsonNode body) {
        Schema schema = schemaOf(body);
        List<String> messages = state.testCompatibility(subject, schema, version);
        ObjectNode answer = NODES.objectNode().put("is_compatible", messages.isEmpty());
        if (!messages.isEmpty()) {
            ArrayNode list = answer.putArray("messages");
            messages.forEach(list::add);
        }
        return answer;
    }

    private JsonNode setCompatibility(String subject, JsonNode body) {
        CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").asText(null));
        write(configKey(subject), NODES.objectNode().put("compatibilityLevel", level.name()));
        return NODES.objectNode().put("compatibility", level.name());
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

    // ---- HTTP ----

    private void handle(HttpExchange exchange) throws IOException {
        int status = 200;
        JsonNode answer;
        String raw = null;
        try {
            String method = exchange.getRequestMethod();
            List<String> path = segments(exchange.getRequestURI().getRawPath());
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            JsonNode body = "POST".equals(method) || "PUT".equals(method) ? readBody(exchange.getRequestBody()) : null;
            synchronized (lock) {
                if (closed) throw new SchemaRegistryException(503, 50003, "Schema registry is shutting down");
                catchUp();
                Object result = route(method, path, query, body);
                if (result instanceof String s) raw = s;
                answer = result instanceof JsonNode j ? j : null;
            }
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

    /** Returns a JsonNode, or a String sent as is. */
    private Object route(String method, List<String> p, Map<String, String> query, JsonNode body) {
        int n = p.size();
        if (n == 0 && method.equals("GET")) return NODES.objectNode();
        String root = p.get(0);
        switch (root) {
            case "subjects" -> {
                if (n == 1 && method.equals("GET")) {
                    ArrayNode a = NODES.arrayNode();
                    state.subjects().forEach(a::add);
                    return a;
                }
                if (n == 2 && method.equals("POST")) return lookup(p.get(1), body);
                if (n == 3 && p.get(2).equals("versions")) {
                    if (method.equals("GET")) {
                        ArrayNode a = NODES.arrayNode();
                        state.versions(p.get(1)).forEach(a::add);
                        return a;
                    }
                    if (method.equals("POST")) return register(p.get(1), body);
                    throw notAllowed(method);
                }
                if (n == 4 && p.get(2).equals("versions") && method.equals("GET")) return describe(state.version(p.get(1), p.get(3)));
                if (n == 5 && p.get(2).equals("versions") && p.get(4).equals("schema") && method.equals("GET"))
                    return state.version(p.get(1), p.get(3)).schema().toString();
                if (n >= 2 && method.equals("DELETE")) throw notAllowed(method);
            }
            case "schemas" -> {
                if (n == 2 && p.get(1).equals("types") && method.equals("GET")) return NODES.arrayNode().add("AVRO");
                if ((n == 3 || n == 4) && p.get(1).equals("ids") && method.equals("GET")) {
                    int id;
                    try {
                        id = Integer.parseInt(p.get(2));
                    } catch (NumberFormatException e) {
                        throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + p.get(2) + " not found");
                    }
                    Schema schema = state.schemaById(id).orElseThrow(() ->
                            new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
                    if (n == 4 && p.get(3).equals("schema")) return schema.toString();
                    if (n == 3) return NODES.objectNode().put("schema", schema.toString());
                }
            }
            case "config" -> {
                String subject = n == 2 ? p.get(1) : null;
                if (n <= 2) {
                    switch (method) {
                        case "GET" -> {
                            if (subject != null && state.subjectCompatibility(subject).isEmpty() && !"true".equals(query.get("defaultToGlobal")))
                                throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                                        "Subject '" + subject + "' does not have subject-level compatibility configured");
                            return NODES.objectNode().put("compatibilityLevel", state.compatibility(subject).name());
                        }
                        case "PUT" -> {
                            return setCompatibility(subject, body);
                        }
                        case "DELETE" -> {
                            if (subject == null) throw notAllowed(method);
                            CompatibilityLevel previous = state.subjectCompatibility(subject).orElseThrow(() ->
                                    new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found."));
                            write(configKey(subject), null);
                            return NODES.objectNode().put("compatibilityLevel", previous.name());
                        }
                        default -> throw notAllowed(method);
                    }
                }
            }
            case "compatibility" -> {
                if (n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions") && method.equals("POST"))
                    return compatibility(p.get(2), p.get(4), body);
            }
            default -> { }
        }
        throw new SchemaRegistryException(404, 404, "HTTP 404 Not Found");
    }

    private static SchemaRegistryException notAllowed(String method) {
        return new SchemaRegistryException(405, 405, "HTTP 405 Method Not Allowed: " + method + " is not supported here");
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
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        http.stop(0);
        executor.shutdownNow();
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
        log.info("Schema registry on port {} stopped", http.getAddress().getPort());
    }
}
