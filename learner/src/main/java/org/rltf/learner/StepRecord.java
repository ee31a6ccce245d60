package org.rltf.learner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.rltf.events.Experience;
import org.rltf.events.LearnerStep;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.StepStats;

/**
 * What the learner records of its optimizer steps: each step's {@link LearnerStep} (the exact batch, its losses and
 * statistics, with its event-time stamp), held for the checkpoint period in hand, and the period's metrics that the
 * Checkpoint closing it carries; and the learner's meters of steps and checkpoints.
 *
 * <p>Not thread-safe: the learner's thread records and commits.
 */
final class StepRecord {
    /** A step's event and the event time it is stamped with. */
    record Stamped(LearnerStep step, long stamp) {}

    /** Where a step's time went, in nanoseconds since its start: batch drawn, gradients accumulated, optimizer done. */
    record Timings(long batchNanos, long forwardBackwardNanos, long optimizerNanos) {
        Map<String, Double> asMillis() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("batch", batchNanos / 1e6);
            m.put("forward_backward", forwardBackwardNanos / 1e6);
            m.put("optimizer", optimizerNanos / 1e6);
            return m;
        }

        long totalNanos() { return batchNanos + forwardBackwardNanos + optimizerNanos; }
    }

    private final String run;
    private final List<Stamped> period = new ArrayList<>();
    private final Counter stepsCounter;
    private final Counter checkpointsCounter;
    private final Timer stepTimer;
    private final AtomicReference<Double> policyLag = new AtomicReference<>(Double.NaN);

    StepRecord(String run, MeterRegistry meters) {
        this.run = run;
        this.stepsCounter = Counter.builder("rltf.learner.steps").tag("run", run)
                .description("Optimizer steps taken (committed or not)").register(meters);
        this.checkpointsCounter = Counter.builder("rltf.learner.checkpoints").tag("run", run)
                .description("Checkpoints committed").register(meters);
        this.stepTimer = Timer.builder("rltf.learner.step").tag("run", run)
                .description("Time of one optimizer step, snapshot to update").register(meters);
        Gauge.builder("rltf.learner.policy.lag", policyLag, AtomicReference::get).tag("run", run)
                .description("Mean policy lag (learner version - sampling version) of the last step's RL batch")
                .register(meters);
    }

    /**
     * The LearnerStep of step {@code step}, taken by policy version {@code version} with {@code seed}, on the RL
     * batch {@code rl} and the supervised batch {@code sl}; added to the period with {@code stamp}.
     */
    LearnerStep add(long step, long version, long seed, List<Experience> rl, List<ReferenceExamples.Encoded> sl,
                    double lossRl, double lossSl, StepStats stats, Timings timings, long stamp) {
        RlBatchStats rlStats = RlBatchStats.of(rl, version);
        int slTokens = 0;
        List<String> referenceIds = new ArrayList<>(sl.size());
        for (ReferenceExamples.Encoded r : sl) {
            slTokens += r.completionIds().length;
            referenceIds.add(r.id());
        }
        LearnerStep record = LearnerStep.newBuilder()
                .setRun(run)
                .setStep(step)
                .setPolicyVersion(version)
                .setCheckpointVersion(null) // set on the period's last step when it commits (CheckpointLog)
                .setSeed(seed)
                .setSampleIds(rlStats.sampleIds())
                .setReferenceIds(referenceIds)
                .setLoss(lossRl + lossSl)
                .setLossRl(lossRl)
                .setLossSl(lossSl)
                .setGradNorm(stats.gradNorm())
                .setLr(stats.lr())
                .setMeanReward(rlStats.meanReward())
                .setMeanPolicyLag(rlStats.meanPolicyLag())
                .setRlTokens(rlStats.tokens())
                .setSlTokens(slTokens)
                .setTimingsMs(timings.asMillis())
                .setMeanAdvantage(rlStats.meanAdvantage())
                .setRlOutcomes(rlStats.outcomes())
                .setMissingBaselineShare(rlStats.missingBaselineShare())
                .build();
        period.add(new Stamped(record, stamp));
        stepsCounter.increment();
        policyLag.set(rlStats.meanPolicyLag());
        stepTimer.record(timings.totalNanos(), TimeUnit.NANOSECONDS);
        return record;
    }

    /** The steps since the last checkpoint, in step order (a read-only view). */
    List<Stamped> period() {
        return Collections.unmodifiableList(period);
    }

    /** The period's steps and its checkpoint are committed: starts the next period. */
    void periodCommitted() {
        period.clear();
        checkpointsCounter.increment();
    }

    /**
     * The period's metrics for its Checkpoint: the number of steps and the means of loss, its RL and supervised
     * parts, mean reward, policy lag and gradient norm over them, the last step's learning rate, and
     * {@code buffer_size} when {@code bufferSize} is not negative.
     */
    Map<String, Double> periodMetrics(long bufferSize) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("steps", (double) period.size());
        if (period.isEmpty()) return m;
        double loss = 0, rl = 0, sl = 0, reward = 0, lag = 0, grad = 0;
        for (Stamped stamped : period) {
            LearnerStep s = stamped.step();
            loss += s.getLoss();
            rl += s.getLossRl();
            sl += s.getLossSl();
            reward += s.getMeanReward();
            lag += s.getMeanPolicyLag();
            grad += s.getGradNorm();
        }
        int n = period.size();
        m.put("loss", loss / n);
        m.put("loss_rl", rl / n);
        m.put("loss_sl", sl / n);
        m.put("mean_reward", reward / n);
        m.put("mean_policy_lag", lag / n);
        m.put("grad_norm", grad / n);
        m.put("lr", period.get(n - 1).step().getLr());
        if (bufferSize >= 0) m.put("buffer_size", (double) bufferSize);
        return m;
    }
}
