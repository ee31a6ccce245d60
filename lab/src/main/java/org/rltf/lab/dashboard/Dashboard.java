package org.rltf.lab.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.rltf.kernel.ClientConfigs;
import org.rltf.schemas.Topics;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.AvroSerdeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rltf dashboard}: a web page with live charts of a run, served by the JDK's HTTP server, fed by an
 * independent consumer of the run's topics. The consumer has a group id of its own
 * ({@code rltf-dashboard-<run>-<random>}), reads from the beginning, {@code read_committed}, and commits nothing: it
 * never disturbs the run, and it opens a finished run the same way as a live one.
 *
 * <p>Routes: {@code /} the page, {@code /dashboard.js} its script, {@code /chart.umd.js} Chart.js from its webjar in
 * this jar (no CDN: the page works offline), {@code /api/data} the charts' data ({@link DashboardData#json()}).
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    static final String CHART_JS = "META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.js";
    private static final String PAGE = "org/rltf/lab/dashboard/";

    private final String run;
    private final DashboardData data;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<Object> values;
    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final ScheduledExecutorService rates;
    private final Thread consumerThread;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Dashboard(Map<String, ?> cluster, String run, String host, int port) throws IOException {
        this.run = run;
        this.data = new DashboardData(run);
        Topics topics = Topics.forRun(run);
        Map<String, Object> serde = ClientConfigs.serde(cluster);
        serde.put(AvroSerdeConfig.SPECIFIC_AVRO_READER_CONFIG, true);
        this.values = new AvroDeserializer<>();
        values.configure(serde, false);
        this.consumer = new KafkaConsumer<>(ClientConfigs.consumer(cluster, "rltf-dashboard-" + run, Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "rltf-dashboard-" + run + "-" + UUID.randomUUID().toString().substring(0, 8),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.learnerSteps(), topics.checkpoints(), topics.evaluations(), topics.experience(),
                topics.feedback(), topics.samples()));
        this.http = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.httpThreads = Executors.newFixedThreadPool(2, daemon("rltf-dashboard-http"));
        http.setExecutor(httpThreads);
        http.createContext("/", this::handle);
        this.rates = Executors.newSingleThreadScheduledExecutor(daemon("rltf-dashboard-rates"));
        this.consumerThread = new Thread(this::consume, "rltf-dashboard-consumer");
        consumerThread.setDaemon(true);
    }

    /**
     * Starts the consumer and the server on {@code host:port} (port 0: any free one, see {@link #port()}).
     *
     * @param cluster bootstrap.servers, schema.registry.url and any common client keys
     */
    public static Dashboard start(Map<String, ?> cluster, String run, String host, int port) {
        Topics.validateRun(run);
        Dashboard d;
        try {
            d = new Dashboard(cluster, run, host, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the dashboard on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        d.consumerThread.start();
        d.rates.scheduleAtFixedRate(d.data::sampleRates, 2, 2, TimeUnit.SECONDS);
        d.http.start();
        log.info("Dashboard of run {} at http://{}:{}/", run, host, d.port());
        return d;
    }

    public int port() { return http.getAddress().getPort(); }

    DashboardData data() { return data; }

    private void consume() {
        try {
            while (!closed.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) continue;
                    try {
                        data.add(values.deserialize(r.topic(), r.value()));
                    } catch (SerializationException e) {
                        log.warn("Dashboard of run {}: skipping {}-{}@{}: {}", run, r.topic(), r.partition(), r.offset(),
                                e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) throw e;
        } catch (RuntimeException e) {
            log.error("Dashboard of run {}: the consumer stopped", run, e);
        } finally {
            Utils.closeQuietly(consumer, "dashboard consumer");
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/", "/index.html" -> send(exchange, 200, "text/html; charset=utf-8", resource(PAGE + "index.html"));
                case "/dashboard.js" -> send(exchange, 200, "text/javascript; charset=utf-8", resource(PAGE + "dashboard.js"));
                case "/chart.umd.js" -> send(exchange, 200, "text/javascript; charset=utf-8", resource(CHART_JS));
                case "/api/data" -> send(exchange, 200, "application/json", data.json().getBytes(StandardCharsets.UTF_8));
                default -> send(exchange, 404, "text/plain", ("no such page: " + path).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name);
            return in.readAllBytes();
        }
    }

    /** The Chart.js version of the webjar on the class path (its pom.properties), so the path follows the pom. */
    private static String chartJsVersion() {
        try (InputStream in = Dashboard.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            if (in == null) throw new IllegalStateException("the Chart.js webjar is not on the class path");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        consumer.wakeup();
        try {
            consumerThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.stop(0);
        httpThreads.shutdownNow();
        rates.shutdownNow();
        Utils.closeQuietly(values, "dashboard deserializer");
    }
}
