package org.rltf.lab.metrics;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * Binds every Kafka client of a service to Micrometer without touching the service: a {@link MetricsReporter}
 * (Kafka's {@code metric.reporters}, a common client key, so {@link org.rltf.kernel.ClientConfigs} hands it to every
 * producer, consumer, admin client and Kafka Streams client the service opens) that keeps the client's metrics and
 * hands them to Micrometer's own Kafka binder, {@link KafkaClientMetrics}, through a view of the client that answers
 * {@code metrics()} only. So the meters are Micrometer's ({@code kafka.consumer.fetch.manager.records.lag.max},
 * {@code kafka.producer.record.send.rate}, ... with the client id as a tag), bound when the client starts and
 * closed with it.
 *
 * <p>The registry is the process's: {@link #bindTo(MeterRegistry)} sets it ({@link PrometheusMetrics} does).
 */
public final class KafkaClientMeters implements MetricsReporter {
    private static volatile MeterRegistry registry;
    private static final Duration REFRESH = Duration.ofSeconds(5);
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rltf-kafka-meters");
        t.setDaemon(true);
        return t;
    });

    private final Map<MetricName, KafkaMetric> metrics = new ConcurrentHashMap<>();
    private String clientId = "";
    private KafkaClientMetrics binder;

    /** The registry every Kafka client of this process binds to from now on (null: none). */
    public static void bindTo(MeterRegistry meters) {
        registry = meters;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(CommonClientConfigs.CLIENT_ID_CONFIG);
        clientId = id == null ? "" : id.toString();
    }

    @Override
    public void init(List<KafkaMetric> initial) {
        for (KafkaMetric m : initial) metrics.put(m.metricName(), m);
        MeterRegistry meters = registry;
        if (meters == null) return;
        // New metrics (per-partition lag, once a partition is fetched) are picked up at each refresh.
        binder = new KafkaClientMetrics(view(), List.of(), SCHEDULER, REFRESH);
        binder.bindTo(meters);
    }

    /** A client that has nothing but its metrics: all Micrometer's binder reads of a client. */
    @SuppressWarnings("unchecked")
    private Consumer<?, ?> view() {
        Map<MetricName, KafkaMetric> view = Collections.unmodifiableMap(metrics);
        return (Consumer<?, ?>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "metrics" -> view;
                    case "toString" -> "metrics of Kafka client " + clientId;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public void metricChange(KafkaMetric metric) {
        metrics.put(metric.metricName(), metric);
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
        metrics.remove(metric.metricName());
    }

    @Override
    public void close() {
        if (binder != null) binder.close();
        metrics.clear();
    }
}
