package org.rltf.grader.service;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.Feedbacks;
import org.rltf.grader.ProgramGrader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grader as the service uses it: a program whose grading ends in SANDBOX_ERROR (the grader's own failure) is
 * graded again up to {@code grader.sandbox.error.retries} times, and a grader that throws instead of answering
 * counts as such a failure. Either way a verdict comes back, so every sample gets exactly one Feedback.
 */
final class RetryingGrader {
    private static final Logger log = LoggerFactory.getLogger(RetryingGrader.class);

    private final ProgramGrader grader;
    private final int retries;
    private final String run;
    private final GraderMetrics metrics;

    RetryingGrader(ProgramGrader grader, int retries, String run, GraderMetrics metrics) {
        this.grader = grader;
        this.retries = retries;
        this.run = run;
        this.metrics = metrics;
    }

    /** Starts grading on the grader's threads; the future does not fail (a failure is a SANDBOX_ERROR verdict). */
    CompletableFuture<Feedback> start(Problem problem, Sample sample) {
        CompletableFuture<Feedback> graded;
        try {
            graded = grader.gradeAsync(problem, sample);
        } catch (RuntimeException e) {
            graded = CompletableFuture.failedFuture(e);
        }
        return graded.exceptionally(e -> failed(problem, sample, e));
    }

    /** The verdict to publish, stamped with the run: {@code first}'s, or a retry's after a SANDBOX_ERROR. */
    Feedback await(CompletableFuture<Feedback> first, Problem problem, Sample sample) {
        Feedback feedback = first.join();
        for (int retry = 0; retry < retries && feedback.getOutcome() == Outcome.SANDBOX_ERROR; retry++) {
            log.warn("Sandbox error grading {} ({}: {}); grading it again", sample.getSampleId(),
                    feedback.getErrorClass(), feedback.getErrorMessage());
            metrics.sandboxRetry();
            feedback = start(problem, sample).join();
        }
        return Feedback.newBuilder(feedback).setRun(run).build();
    }

    private Feedback failed(Problem problem, Sample sample, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        log.error("Grader failed on sample {}", sample.getSampleId(), cause);
        return Feedbacks.sandboxError(problem, sample, grader.id(), cause);
    }
}
