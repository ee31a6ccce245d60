package org.rltf.lab.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.broker.testing.TopicRecords;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.service.GraderService;
import org.rltf.grader.service.GraderServiceConfig;
import org.rltf.kernel.MetricsEndpoint;
import org.rltf.schemas.Topics;

/**
 * A running grader service with the metrics {@code rltf grader --metrics-port} wires: its Prometheus endpoint,
 * scraped over HTTP, shows the Kafka clients' lag and throughput meters (Micrometer's Kafka binder) next to the
 * grader's own throughput, grading latency and sandbox meters.
 */
@ExtendWith(KafkaExtension.class)
class PrometheusMetricsTest {

    @Test
    void aRunningServiceServesItsLagAndThroughputMeters(KafkaEnv env) throws Exception {
        String run = env.createRun("metrics");
        Topics topics = Topics.forRun(run);
        Problem add = Problem.newBuilder().setRun(run).setId("test/add").setDataset("handmade").setSplit("train")
                .setPrompt("# add\n").setCodePrefix("").setReferenceSolutions(List.of()).setTimeLimitMs(4000)
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setSetupCode("")
                        .setAsserts(List.of("assert add(1, 2) == 3")).build()).build();
        TopicRecords.send(env, topics.problems(), 1_000L, Problem::getId, List.of(add));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            samples.add(Sample.newBuilder().setRun(run).setSampleId("s-" + i).setProblemId("test/add").setPolicyVersion(0)
                    .setCompletion(i % 2 == 0 ? "def add(a, b):\n    return a + b\n" : "def add(a, b):\n    return a - b\n")
                    .setTokenIds(List.of()).setTokenStarts(List.of()).setTokenEnds(List.of()).setLogProbs(List.of())
                    .setTemperature(1f).setSeed(i).setGeneratorId("test").build());
        TopicRecords.send(env, topics.samples(), 2_000L, Sample::getSampleId, samples);

        Map<String, Object> config = new HashMap<>(env.clientConfig());
        config.put(GraderServiceConfig.RUN_CONFIG, run);
        config.put(GraderServiceConfig.POLL_TIMEOUT_MS_CONFIG, "100");
        config.put(GraderConfig.PARALLELISM_CONFIG, "1");
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (PrometheusMetrics metrics = PrometheusMetrics.start("127.0.0.1", 0)) {
            GraderService grader = new GraderService(PrometheusMetrics.withKafkaClientMeters(config), metrics.registry());
            Future<?> done = thread.submit(grader);
            try {
                URI endpoint = URI.create("http://127.0.0.1:" + metrics.port() + "/metrics");
                String[] scraped = new String[1];
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
                    scraped[0] = r.body();
                    return r.body().contains("rltf_grader_feedback_total{") && r.body().contains("records_lag_max");
                });
                String body = scraped[0];
                // The Kafka clients' meters: the grader's consumer lag and consumption rate, its producer's send rate.
                assertThat(body).contains("kafka_consumer_fetch_manager_records_lag_max{");
                assertThat(body).contains("kafka_consumer_fetch_manager_records_consumed_rate{");
                assertThat(body).contains("kafka_producer_record_send_rate{");
                assertThat(body).contains("client_id=\"");
                // The grader's own: feedback per outcome (throughput, sandbox errors), grading latency, retries.
                assertThat(body).contains("rltf_grader_feedback_total{").contains("outcome=\"PASS\"")
                        .contains("outcome=\"SANDBOX_ERROR\"");
                assertThat(body).contains("rltf_grader_grade_seconds_count{");
                assertThat(body).contains("rltf_grader_sandbox_retries_total{");
                assertThat(body).contains("jvm_memory_used_bytes{");
                System.out.println("scraped " + body.lines().count() + " lines from " + endpoint + ", e.g.:");
                body.lines().filter(l -> l.startsWith("kafka_consumer_fetch_manager_records_lag_max")
                        || l.startsWith("rltf_grader_feedback_total")).limit(6).forEach(l -> System.out.println("  " + l));
            } finally {
                grader.close();
                done.get();
                thread.shutdown();
            }
        }
    }
}
