package org.rltf.generator;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The generator's meters (Prometheus names {@code rltf_generator_*}), tagged with the run. */
final class GeneratorMetrics {
    private final Counter samples;
    private final Counter rounds;
    private final Counter adopted;
    private final Counter refused;
    private final Counter deadLetters;
    private final Timer round;

    GeneratorMetrics(MeterRegistry meters, String run) {
        this.samples = Counter.builder("rltf.generator.samples").tag("run", run)
                .description("Samples published").register(meters);
        this.rounds = Counter.builder("rltf.generator.rounds").tag("run", run)
                .description("Rounds published").register(meters);
        this.adopted = Counter.builder("rltf.generator.checkpoints.adopted").tag("run", run)
                .description("Checkpoints switched to").register(meters);
        this.refused = Counter.builder("rltf.generator.checkpoints.rejected").tag("run", run)
                .description("Checkpoint events refused (bad digest, unreadable, outside the store)").register(meters);
        this.deadLetters = Counter.builder("rltf.generator.dead.letters").tag("run", run)
                .description("Records sent to the dead-letter topic").register(meters);
        this.round = Timer.builder("rltf.generator.round").tag("run", run)
                .description("Time to sample and publish one round").register(meters);
    }

    void roundPublished(int samplesInRound, long nanos) {
        rounds.increment();
        samples.increment(samplesInRound);
        round.record(nanos, TimeUnit.NANOSECONDS);
    }

    void checkpointAdopted() {
        adopted.increment();
    }

    /** A checkpoint refused is also a dead letter. */
    void checkpointRefused() {
        refused.increment();
        deadLetters.increment();
    }

    void deadLettered() {
        deadLetters.increment();
    }

    /** The counts for a progress line: rounds, samples, checkpoints refused, dead letters, mean round. */
    String summary(long roundsDone) {
        return roundsDone + " rounds, " + (long) samples.count() + " samples, " + (long) refused.count()
                + " checkpoints refused, " + (long) deadLetters.count() + " dead letters, mean round "
                + String.format("%.0f", round.mean(TimeUnit.MILLISECONDS)) + " ms";
    }
}
