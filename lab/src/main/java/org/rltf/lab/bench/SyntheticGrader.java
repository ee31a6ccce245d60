package org.rltf.lab.bench;

import java.util.concurrent.CompletableFuture;

import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.GraderConfig;
import org.rltf.grader.ProgramGrader;

/**
 * The grader without a sandbox: {@link SyntheticEvents#feedback}'s verdict at once, on the service's own thread, so
 * the grader service's cost is its Kafka side only (decode, problem lookup, serialise, the transaction).
 */
final class SyntheticGrader implements ProgramGrader {
    private final String id;

    SyntheticGrader(GraderConfig config) {
        this.id = config.id();
    }

    @Override
    public String id() { return id; }

    @Override
    public CompletableFuture<Feedback> gradeAsync(Problem problem, Sample sample) {
        return CompletableFuture.completedFuture(SyntheticEvents.feedback(problem, sample, id));
    }

    @Override
    public void close() {
    }
}
