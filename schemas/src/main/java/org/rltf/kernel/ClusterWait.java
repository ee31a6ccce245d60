package org.rltf.kernel;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's start-up waits on the cluster, bounded by {@value RunConfig#STARTUP_TIMEOUT_MS_CONFIG}: each step
 * (reach the brokers, fence an older instance, read a topic to its end) is retried through outages
 * ({@link Outages#retry}) until the deadline, and then fails with a {@link ClusterUnavailableException} naming the
 * service, the step, the bootstrap servers (or the registry URL) and the key that sets the wait, instead of the
 * clients' bare {@code TimeoutException} after their own 60 s.
 *
 * <p>{@link #awaitCluster} comes first: the clients' blocking calls (initTransactions, partitionsFor) each wait out
 * their own {@code max.block.ms} or timeout, which may be longer than the start-up wait, while an admin client's
 * describeCluster is bounded by what is left of it.
 */
public final class ClusterWait {
    private static final Logger log = LoggerFactory.getLogger(ClusterWait.class);
    private static final long PROBE_MS = 2_000;
    private static final long MAX_ATTEMPT_S = 30;

    private final Map<String, Object> config;
    private final String service;
    private final String bootstrapServers;
    private final String registryUrl;
    private final Duration timeout;
    private final BooleanSupplier stopping;

    private ClusterWait(Map<String, ?> config, String service, BooleanSupplier stopping) {
        this.stopping = stopping;
        this.config = Map.copyOf(config);
        this.service = service;
        this.bootstrapServers = String.valueOf(config.get(RunConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.registryUrl = String.valueOf(config.get(RunConfig.SCHEMA_REGISTRY_URL_CONFIG));
        Object t = config.get(RunConfig.STARTUP_TIMEOUT_MS_CONFIG);
        long ms = t == null ? 60_000L : (Long) ConfigDef.parseType(RunConfig.STARTUP_TIMEOUT_MS_CONFIG, t, ConfigDef.Type.LONG);
        this.timeout = Duration.ofMillis(ms);
    }

    /** The waits of {@code service} ("grader/grader-0"), from a service's checked config (its run keys). */
    public static ClusterWait of(Map<String, ?> config, String service) {
        return new ClusterWait(config, service, () -> false);
    }

    /**
     * The same waits, cut short when {@code stopping} (the service was asked to stop): the step's last failure is
     * rethrown as it is, so the service sees a transient failure while closing and stops quietly.
     */
    public ClusterWait stoppingWhen(BooleanSupplier stopping) {
        return new ClusterWait(config, service, stopping);
    }

    /** {@value RunConfig#STARTUP_TIMEOUT_MS_CONFIG}: how long each start-up step may wait. */
    public Duration timeout() { return timeout; }

    /** How long one attempt of a step may block in a client call: {@link #attemptTimeout(Duration)}. */
    public Duration attemptTimeout() { return attemptTimeout(timeout); }

    /**
     * How long one attempt may block in a client call (partitionsFor, endOffsets, reading to the end): at most
     * {@value #MAX_ATTEMPT_S} s, so a step retries, and logs, while the cluster is away, and is not stuck in one call.
     */
    public static Duration attemptTimeout(Duration startupTimeout) {
        return startupTimeout.compareTo(Duration.ofSeconds(MAX_ATTEMPT_S)) < 0 ? startupTimeout
                : Duration.ofSeconds(MAX_ATTEMPT_S);
    }

    /** Waits until a broker of the cluster answers; {@code why} says what the service is starting to do. */
    public void awaitCluster(String why) {
        Map<String, Object> c = ClientConfigs.admin(config, service.replaceAll("[^A-Za-z0-9._-]", "-") + "-startup");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) PROBE_MS);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) PROBE_MS);
        Admin admin = Admin.create(c);
        try {
            await("reach the Kafka cluster to " + why, () -> {
                try {
                    if (admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_MS)).nodes()
                            .get(PROBE_MS + 1000, TimeUnit.MILLISECONDS).isEmpty())
                        throw new TimeoutException("the cluster has no live broker");
                    return null;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new TimeoutException("no answer within " + PROBE_MS + " ms");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("interrupted while waiting for the Kafka cluster", e);
                }
            });
        } finally {
            Utils.closeQuietly(() -> admin.close(Duration.ofSeconds(5)), "start-up admin client");
        }
    }

    /**
     * Runs one start-up step, retrying it through outages until {@link #timeout()} has passed since this call, then
     * failing with a {@link ClusterUnavailableException}; {@code what} completes "could not ..." ("fence older
     * instances of transactional.id rltf-learner.r1").
     */
    public <T> T await(String what, Supplier<T> step) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            return Outages.retry(log, service + " could not yet " + what, step,
                    () -> stopping.getAsBoolean() || System.nanoTime() >= deadline);
        } catch (RuntimeException e) {
            if (!Outages.isTransient(e) || stopping.getAsBoolean()) throw e;
            throw unavailable(what, e);
        }
    }

    public void await(String what, Runnable step) {
        await(what, () -> {
            step.run();
            return null;
        });
    }

    private ClusterUnavailableException unavailable(String what, RuntimeException e) {
        String who = Outages.isRegistry(e) ? "the schema registry at " + registryUrl
                : "the Kafka cluster at " + bootstrapServers;
        return new ClusterUnavailableException(service + " could not " + what + ": no answer from " + who + " within "
                + timeout.toMillis() / 1000.0 + " s (" + e.getMessage() + "). Is it running and reachable from here? "
                + RunConfig.STARTUP_TIMEOUT_MS_CONFIG + " sets how long a starting service waits.", e);
    }
}
