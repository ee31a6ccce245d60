package org.rltf.kernel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A service's Prometheus endpoint: {@code GET /metrics} answers with the text a scrape function gives (the
 * Prometheus text exposition format, e.g. a Micrometer {@code PrometheusMeterRegistry}'s {@code scrape()}), over
 * the JDK's HTTP server, so the kernel needs no metrics library of its own. {@value RunConfig#METRICS_PORT_CONFIG}
 * says where a service serves it.
 */
public final class MetricsEndpoint implements AutoCloseable {
    /** The content type of Prometheus' text format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer http;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    /** Serves {@code scrape} at {@code http://host:port/metrics} (port 0: any free one, see {@link #port()}). */
    public static MetricsEndpoint start(String host, int port, Supplier<String> scrape) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rltf-metrics-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/metrics")) send(exchange, 200, CONTENT_TYPE, scrape.get());
                else send(exchange, 404, "text/plain; charset=utf-8", "rltf metrics are at /metrics\n");
            }
        });
        http.start();
        return new MetricsEndpoint(http, executor);
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    public int port() { return http.getAddress().getPort(); }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
