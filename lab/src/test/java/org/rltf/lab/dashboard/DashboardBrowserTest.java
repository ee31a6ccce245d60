package org.rltf.lab.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.lab.RecordedRun;

/**
 * The dashboard in a real headless browser (Debian's chromium; .ci/run installs it, and the test is skipped where it
 * is missing) on the recorded short lab: the page loads with Chart.js from the jar, every chart renders with data
 * from the run, and a screenshot is written under target/.
 */
@ExtendWith(KafkaExtension.class)
class DashboardBrowserTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static Path chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"))
            if (Files.isExecutable(Path.of(c))) return Path.of(c);
        return null;
    }

    @Test
    void thePageLoadsAndEveryChartRendersTheRecordedRun(KafkaEnv env, @TempDir Path profile) throws Exception {
        Path browser = chromium();
        assumeTrue(browser != null, "no chromium on this machine (.ci/run installs it): browser test skipped");
        String run = RecordedRun.get(env).run;

        try (Dashboard dashboard = Dashboard.start(env.clientConfig(), run, "127.0.0.1", 0)) {
            DashboardData data = dashboard.data();
            await().atMost(Duration.ofSeconds(60)).until(() -> data.stepCount() == 6 && data.evaluationCount() >= 2
                    && data.feedbackCount() > 0 && data.rateCount() >= 2);
            String base = "http://127.0.0.1:" + dashboard.port();

            JsonNode api = new ObjectMapper().readTree(get(base + "/api/data").body());
            assertThat(api.path("counts").path("steps").asInt()).isEqualTo(6);
            assertThat(api.path("steps").path("loss")).hasSize(6);
            HttpResponse<String> chartJs = get(base + "/chart.umd.js");
            assertThat(chartJs.statusCode()).isEqualTo(200);
            assertThat(chartJs.body()).contains("Chart.js v4");

            String dom = chromium(browser, profile.resolve("dom"), "--dump-dom", base + "/");
            Matcher status = Pattern.compile("<div id=\"status\"[^>]*>").matcher(dom);
            assertThat(status.find()).as(dom).isTrue();
            String tag = status.group();
            System.out.println("dashboard status: " + tag);
            assertThat(attribute(tag, "data-charts")).isEqualTo(9);
            assertThat(attribute(tag, "data-charts-with-data")).isEqualTo(9);
            assertThat(attribute(tag, "data-points")).isGreaterThan(30);
            assertThat(attribute(tag, "data-steps")).isEqualTo(6);

            Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            chromium(browser, profile.resolve("shot"), "--screenshot=" + screenshot, "--window-size=1400,2700",
                    base + "/");
            assertThat(screenshot).exists();
            assertThat(Files.size(screenshot)).isGreaterThan(20_000);
            System.out.println("dashboard screenshot: " + screenshot);
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int attribute(String tag, String name) {
        Matcher m = Pattern.compile(name + "=\"(\\d+)\"").matcher(tag);
        assertThat(m.find()).as(name + " in " + tag).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Runs headless chromium with a fresh profile and no network of its own; returns what it printed. */
    private static String chromium(Path browser, Path profile, String... args) throws Exception {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--virtual-time-budget=15000"));
        command.addAll(List.of(args));
        Path log = profile.resolve("chromium.log");
        Path out = profile.resolve("stdout.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + Files.readString(log));
        }
        assertThat(p.exitValue()).as("chromium: " + Files.readString(log)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
