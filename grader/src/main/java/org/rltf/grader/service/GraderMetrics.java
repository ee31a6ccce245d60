package org.rltf.grader.service;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grader service's bookkeeping: its Micrometer meters (tagged with the run) and the periodic progress line.
 * Batches are counted only once their transaction is committed, so the numbers agree with what read_committed
 * consumers of the feedback topic see. Used by the service thread only.
 */
final class GraderMetrics {
    private static final Logger log = LoggerFactory.getLogger(GraderMetrics.class);

    private final MeterRegistry meters;
    private final String run;
    private final String serviceName;
    private final long progressIntervalNanos;
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> deadLetters = new HashMap<>();
    private final Timer grade;
    private final Timer batch;
    private final Counter aborted;
    private final Counter sandboxRetries;

    // Progress log state (wall clock is used only to report throughput).
    private long graded;
    private long deadLettered;
    private long lastProgressNanos = System.nanoTime();
    private long gradedAtLastProgress;

    GraderMetrics(MeterRegistry meters, String run, String serviceName, long progressIntervalMs) {
        this.meters = meters;
        this.run = run;
        this.serviceName = serviceName;
        this.progressIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressIntervalMs);
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder("rltf.grader.feedback").tag("run", run).tag("outcome", outcome.name())
                    .description("Feedback events committed, by outcome").register(meters));
        }
        this.grade = Timer.builder("rltf.grader.grade").tag("run", run)
                .description("Time to grade one program, as the grader measured it").register(meters);
        this.batch = Timer.builder("rltf.grader.batch").tag("run", run)
                .description("Time from a batch's poll to its committed transaction").register(meters);
        this.aborted = Counter.builder("rltf.grader.transactions.aborted").tag("run", run)
                .description("Batches whose transaction was aborted and re-read").register(meters);
        this.sandboxRetries = Counter.builder("rltf.grader.sandbox.retries").tag("run", run)
                .description("Programs graded again after a SANDBOX_ERROR").register(meters);
    }

    /** A batch committed: its feedback, the reasons ("malformed", ...) of its dead letters, and when it was polled. */
    void committed(List<Feedback> feedback, List<String> deadLetterReasons, long polledNanos) {
        for (Feedback f : feedback) {
            outcomes.get(f.getOutcome()).increment();
            grade.record(f.getGradeTimeMs(), TimeUnit.MILLISECONDS);
        }
        for (String reason : deadLetterReasons) {
            deadLetters.computeIfAbsent(reason, k -> Counter.builder("rltf.grader.dead.letters").tag("run", run)
                    .tag("reason", k).description("Sample records sent to the dead-letter topic, by reason")
                    .register(meters)).increment();
        }
        graded += feedback.size();
        deadLettered += deadLetterReasons.size();
        batch.record(System.nanoTime() - polledNanos, TimeUnit.NANOSECONDS);
    }

    void aborted() {
        aborted.increment();
    }

    void sandboxRetry() {
        sandboxRetries.increment();
    }

    void logProgressIfDue() {
        if (System.nanoTime() - lastProgressNanos >= progressIntervalNanos) logProgress();
    }

    void logProgress() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - lastProgressNanos) / 1e9);
        long recent = graded - gradedAtLastProgress;
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        outcomes.forEach((outcome, counter) -> {
            if (counter.count() > 0) byOutcome.put(outcome.name(), (long) counter.count());
        });
        log.info("Grader {}: {} graded (+{} in {}s, {}/s), outcomes {}, {} dead letters, {} aborted batches, mean grade {} ms",
                serviceName, graded, recent, String.format("%.1f", seconds), String.format("%.2f", recent / seconds),
                byOutcome, deadLettered, (long) aborted.count(), String.format("%.0f", grade.mean(TimeUnit.MILLISECONDS)));
        lastProgressNanos = now;
        gradedAtLastProgress = graded;
    }
}
