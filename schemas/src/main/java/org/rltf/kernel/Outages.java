package org.rltf.kernel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.kafka.common.errors.RetriableException;
import org.rltf.schemas.serde.SchemaRegistryException;
import org.slf4j.Logger;

/**
 * Outages of the Kafka cluster or the schema registry, told apart from failures that trying again cannot fix, and
 * the one retry loop the services use to wait them out: exponential backoff from {@value #FIRST_BACKOFF_MS} ms to
 * {@value #MAX_BACKOFF_MS} ms, and a log line when the outage starts, every {@value #LOG_EVERY_S} s while it lasts,
 * and when it ends, so an operator reading the log sees what a service is waiting for and for how long.
 */
public final class Outages {
    static final long FIRST_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 10_000;
    private static final long LOG_EVERY_S = 30;

    private Outages() {
    }

    /**
     * Whether {@code e} (or a cause) says the cluster or the registry is unreachable or briefly unable to answer, so
     * the same call may succeed later: Kafka's {@link RetriableException}s (timeouts, a broker that is not the leader
     * yet, a coordinator that is loading), and a {@link SchemaRegistryException} for a registry that did not answer
     * or answered with a server error. A registry's 4xx answer (incompatible schema, unknown id) is final.
     */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetriableException) return true;
            if (t instanceof SchemaRegistryException r) return r.status() < 0 || r.status() >= 500;
        }
        return false;
    }

    /** Whether {@code e}'s outage is the schema registry's (rather than the cluster's). */
    public static boolean isRegistry(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause())
            if (t instanceof SchemaRegistryException) return true;
        return false;
    }

    /**
     * Runs {@code attempt} until it returns. A {@linkplain #isTransient transient} failure is logged and tried again
     * after a backoff, unless {@code giveUp} (asked after each failure) says to stop, when that failure is rethrown;
     * any other failure is rethrown at once. An interrupt during a backoff rethrows the failure with the interrupt
     * flag set.
     *
     * @param what what is being attempted, for the log ("commit of checkpoint period v3")
     */
    public static <T> T retry(Logger log, String what, Supplier<T> attempt, BooleanSupplier giveUp) {
        return retry(log, what, attempt, Outages::isTransient, giveUp);
    }

    /**
     * As {@link #retry(Logger, String, Supplier, BooleanSupplier)}, with {@code retriable} deciding which failures are
     * tried again (for a caller that knows more failures are safe to repeat than {@link #isTransient} counts).
     */
    public static <T> T retry(Logger log, String what, Supplier<T> attempt, Predicate<RuntimeException> retriable,
                              BooleanSupplier giveUp) {
        long start = 0;
        long lastLog = 0;
        int failures = 0;
        while (true) {
            try {
                T value = attempt.get();
                if (failures > 0)
                    log.info("{}: succeeded after {} s of outage ({} attempts)", what, seconds(start), failures + 1);
                return value;
            } catch (RuntimeException e) {
                if (!retriable.test(e)) throw e;
                long now = System.nanoTime();
                if (failures == 0) {
                    start = now;
                    lastLog = now;
                    log.warn("{}: {} unreachable ({}); retrying with backoff", what,
                            isRegistry(e) ? "the schema registry is" : "the Kafka cluster is", e.toString());
                } else if (now - lastLog >= TimeUnit.SECONDS.toNanos(LOG_EVERY_S)) {
                    lastLog = now;
                    log.warn("{}: still failing after {} s ({}); retrying", what, seconds(start), e.toString());
                }
                failures++;
                if (giveUp.getAsBoolean()) throw e;
                try {
                    Thread.sleep(backoff(failures).toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** {@link #retry(Logger, String, Supplier, BooleanSupplier)} for an attempt without a result. */
    public static void retry(Logger log, String what, Runnable attempt, BooleanSupplier giveUp) {
        retry(log, what, () -> {
            attempt.run();
            return null;
        }, giveUp);
    }

    /** The wait after the {@code failures}-th failure in a row: 0.5 s, 1 s, 2 s, ... up to 10 s. */
    static Duration backoff(int failures) {
        long ms = FIRST_BACKOFF_MS << Math.min(failures - 1, 20);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF_MS));
    }

    private static long seconds(long startNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }
}
