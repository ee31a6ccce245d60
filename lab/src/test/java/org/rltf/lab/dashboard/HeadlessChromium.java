package org.rltf.lab.dashboard;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Headless chromium driven over the DevTools protocol, for the dashboard's browser test.
 *
 * <p>Why not {@code --dump-dom --virtual-time-budget}: the dashboard polls its server every two seconds, so the page
 * never goes idle on its own, and whether chromium's virtual clock ever runs out then depends on the machine (it hung
 * for 120 s on a 2-core CI machine and finished in 6 s here). Over the protocol the test asks the page what it shows,
 * in real time, until the page says it is ready, and every stage that can hang has its own bounded wait with a
 * message naming it. Name resolution is switched off (only 127.0.0.1 resolves) so that nothing waits on a network
 * the machine may not have.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path log;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private String session;

    private HeadlessChromium(Process process, Path log, WebSocket socket) {
        this.process = process;
        this.log = log;
        this.socket = socket;
    }

    static Path find() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"))
            if (Files.isExecutable(Path.of(c))) return Path.of(c);
        return null;
    }

    /** Starts chromium with a fresh profile under {@code profile} and connects to its browser endpoint. */
    static HeadlessChromium start(Path browser, Path profile, Duration startTimeout) throws Exception {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-default-apps", "--no-first-run", "--no-default-browser-check",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=" + profile, "about:blank"));
        Path log = profile.resolve("chromium.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        String endpoint = null;
        while (endpoint == null) {
            if (!process.isAlive()) throw new AssertionError("chromium exited with " + process.exitValue()
                    + " before its DevTools endpoint was up: " + tail(log));
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError("chromium's DevTools endpoint was not up in " + startTimeout.toSeconds()
                        + " s: " + tail(log));
            }
            Matcher m = DEVTOOLS.matcher(Files.readString(log));
            if (m.find()) endpoint = m.group(1);
            else Thread.sleep(100);
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .buildAsync(URI.create(endpoint), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            self[0].received(text.toString());
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(process, log, socket);
        return self[0];
    }

    /** Opens a page of {@code width}×{@code height} CSS pixels at {@code url}. */
    void open(String url, int width, int height) throws Exception {
        JsonNode target = call(null, "Target.createTarget", Map.of("url", "about:blank"));
        String targetId = target.path("targetId").asText();
        session = call(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
                .path("sessionId").asText();
        call(session, "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        call(session, "Page.enable", Map.of());
        call(session, "Page.navigate", Map.of("url", url));
    }

    /** The value of a JavaScript expression in the open page, as a string ("" for null or undefined). */
    String evaluate(String expression) throws Exception {
        JsonNode r = call(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) throw new AssertionError("page threw on " + expression + ": "
                + r.path("exceptionDetails"));
        JsonNode value = r.path("result").path("value");
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    /** A PNG of the open page. */
    byte[] screenshot() throws Exception {
        return Base64.getDecoder().decode(call(session, "Page.captureScreenshot", Map.of("format", "png"))
                .path("data").asText());
    }

    private JsonNode call(String sessionId, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (sessionId != null) message.put("sessionId", sessionId);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(JSON.writeValueAsString(message), true).get(30, TimeUnit.SECONDS);
        JsonNode r;
        try {
            r = reply.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("chromium did not answer " + method + " in 60 s: " + tail(log));
        } finally {
            pending.remove(id);
        }
        if (r.has("error")) throw new AssertionError(method + " failed: " + r.path("error"));
        return r.path("result");
    }

    private void received(String text) {
        try {
            JsonNode m = JSON.readTree(text);
            if (!m.has("id")) return; // an event; the test asks instead of listening
            CompletableFuture<JsonNode> reply = pending.get(m.path("id").asInt());
            if (reply != null) reply.complete(m);
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.contains("dbus")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\"}", true)
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // it is killed below either way
        }
        socket.abort();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
