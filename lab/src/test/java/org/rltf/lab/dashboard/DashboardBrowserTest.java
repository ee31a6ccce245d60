package org.rltf.lab.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @Test
    void thePageLoadsAndEveryChartRendersTheRecordedRun(KafkaEnv env, @TempDir Path profile) throws Exception {
        Path browser = HeadlessChromium.find();
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

            try (HeadlessChromium chromium = HeadlessChromium.start(browser, profile, Duration.ofSeconds(60))) {
                chromium.open(base + "/", 1400, 2700);
                // The page renders on its first poll of /api/data; waiting on what it reports, not on a clock.
                String[] tag = {""};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    tag[0] = chromium.evaluate("(document.getElementById('status') || {outerHTML: ''}).outerHTML");
                    return tag[0].contains("data-steps=\"6\"");
                });
                System.out.println("dashboard status: " + tag[0]);
                assertThat(attribute(tag[0], "data-charts")).isEqualTo(9);
                assertThat(attribute(tag[0], "data-charts-with-data")).isEqualTo(9);
                assertThat(attribute(tag[0], "data-points")).isGreaterThan(30);

                Thread.sleep(1500); // Chart.js animates a new chart for 1 s; the screenshot is for people to look at
                Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
                Files.write(screenshot, chromium.screenshot());
                assertThat(Files.size(screenshot)).isGreaterThan(20_000);
                System.out.println("dashboard screenshot: " + screenshot);
            }
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
}
