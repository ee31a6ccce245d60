package org.rltf.grader;

import java.util.concurrent.CompletableFuture;

import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;

/**
 * What the grader service needs of a grader: one verdict per sample, asynchronously. {@link Grader} runs the
 * program's tests in the sandbox; the pipeline benchmark supplies synthetic verdicts, so that the service's Kafka
 * side (decode, problem lookup, the transaction with the consumed offsets) is measured without a sandbox.
 */
public interface ProgramGrader extends AutoCloseable {
    /** This grader's id, as in {@link Feedback#getGraderId()}. */
    String id();

    /** The verdict on {@code sample}'s program; the future may fail, which the service counts as SANDBOX_ERROR. */
    CompletableFuture<Feedback> gradeAsync(Problem problem, Sample sample);

    @Override
    void close();
}
