package org.rltf.lab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.utils.Utils;
import org.rltf.kernel.MetricsEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's Prometheus metrics: a Micrometer {@link PrometheusMeterRegistry} for the services' own meters
 * (grading latency and outcomes, sandbox retries, learner step time and policy lag, samples generated, ...), the
 * JVM's, and every Kafka client's ({@link KafkaClientMeters}: consumer lag, records/s), served at
 * {@code /metrics} by the kernel's {@link MetricsEndpoint}.
 *
 * <p>{@code rltf <service> --metrics-port N} uses it. The lab hook: start one, pass
 * {@link #withKafkaClientMeters}{@code (cluster)} as the cluster keys of the lab's service configs and
 * {@link #registry()} as the meter registry of its in-process services.
 */
public final class PrometheusMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrometheusMetrics.class);

    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private final MetricsEndpoint endpoint;

    private PrometheusMetrics(String host, int port) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        KafkaClientMeters.bindTo(registry);
        this.endpoint = MetricsEndpoint.start(host, port, registry::scrape);
        log.info("Prometheus metrics at http://{}:{}/metrics", host, endpoint.port());
    }

    /** Starts serving on {@code host:port} (0: any free port, see {@link #port()}). */
    public static PrometheusMetrics start(String host, int port) {
        return new PrometheusMetrics(host, port);
    }

    public MeterRegistry registry() { return registry; }

    public int port() { return endpoint.port(); }

    /** What {@code /metrics} serves now. */
    public String scrape() { return registry.scrape(); }

    /**
     * {@code config} with {@link KafkaClientMeters} added to its {@code metric.reporters}, so every Kafka client a
     * service builds from it reports to this registry.
     */
    public static Map<String, Object> withKafkaClientMeters(Map<String, ?> config) {
        Map<String, Object> m = new LinkedHashMap<>(config);
        Object existing = m.get(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG);
        String reporters = existing == null || existing.toString().isBlank() ? KafkaClientMeters.class.getName()
                : existing + "," + KafkaClientMeters.class.getName();
        m.put(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, reporters);
        return m;
    }

    @Override
    public void close() {
        endpoint.close();
        KafkaClientMeters.bindTo(null);
        for (AutoCloseable b : binders) Utils.closeQuietly(b, "JVM meters");
        registry.close();
    }
}
