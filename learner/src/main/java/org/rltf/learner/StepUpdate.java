package org.rltf.learner;

import java.util.List;

import org.rltf.events.Experience;
import org.rltf.policy.PolicyTrainer;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.StepStats;
import org.rltf.policy.TokenSequence;

/**
 * One optimizer step's update on a drawn batch, written once: the learner takes it on the batch it drew from the
 * buffer, {@link LearnerReplay} on the batch a LearnerStep recorded, so a replay runs the learner's own update and
 * not a copy of it. Everything the result depends on is an argument: the trainer (weights, moments, step count and
 * its config), the two batches in their recorded order, and the micro-batch size, which fixes the order in which
 * gradients add up (floating-point addition is not associative).
 */
final class StepUpdate {
    private StepUpdate() {}

    /** The step's losses and optimizer statistics, and where its time went (nanoseconds). */
    record Result(double lossRl, double lossSl, StepStats stats, long weightsNanos, long accumulateNanos,
                  long optimizerNanos) {}

    /**
     * Weights (RLTF-METHOD.md section 4: lambda * A_t / N_rl on each RL token, 1 / N_sl on each reference token), then
     * supervised and RL micro-batches of {@code microBatch} sequences alternating, supervised first, their
     * gradients adding up, then one {@link PolicyTrainer#step()}: clip, AdamW, the learning-rate schedule.
     */
    static Result apply(PolicyTrainer trainer, List<Experience> rl, List<ReferenceExamples.Encoded> sl, float rlWeight,
                        int microBatch) {
        long t0 = System.nanoTime();
        List<TokenSequence> rlSeq = RltfLoss.rlSequences(rl, rlWeight);
        List<TokenSequence> slSeq = RltfLoss.slSequences(sl);
        long t1 = System.nanoTime();

        double lossSl = 0;
        double lossRl = 0;
        for (int from = 0; from < Math.max(slSeq.size(), rlSeq.size()); from += microBatch) {
            if (from < slSeq.size()) lossSl += trainer.accumulate(slSeq.subList(from, Math.min(slSeq.size(), from + microBatch)));
            if (from < rlSeq.size()) lossRl += trainer.accumulate(rlSeq.subList(from, Math.min(rlSeq.size(), from + microBatch)));
        }
        long t2 = System.nanoTime();

        StepStats stats = trainer.step();
        long t3 = System.nanoTime();
        return new Result(lossRl, lossSl, stats, t1 - t0, t2 - t1, t3 - t2);
    }
}
