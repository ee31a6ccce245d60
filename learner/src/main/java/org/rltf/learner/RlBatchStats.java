package org.rltf.learner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.rltf.events.BaselineSource;
import org.rltf.events.Experience;
import org.rltf.streams.Rewards;

/**
 * What a step's LearnerStep says about its RL half, read from the experiences the buffer wrote (nothing is
 * recomputed here but sums): the mean reward R(W) of the drawn samples, the token mean of A_t (the sum of the RL
 * loss weights), the outcome histogram, the share of draws whose baseline was missing (source NONE), and the mean
 * policy lag. All 0 (the histogram empty) when nothing was drawn.
 */
record RlBatchStats(double meanReward, double meanAdvantage, Map<String, Integer> outcomes,
                    double missingBaselineShare, double meanPolicyLag, int tokens, List<String> sampleIds) {

    /** The statistics of {@code batch}, drawn by a learner at {@code policyVersion}. */
    static RlBatchStats of(List<Experience> batch, long policyVersion) {
        double reward = 0;
        double advantage = 0; // sum of A_t over every token of the batch
        double lag = 0;
        int missing = 0;
        int tokens = 0;
        Map<String, Integer> outcomes = new TreeMap<>(); // sorted: the same batch gives the same event bytes
        List<String> ids = new ArrayList<>(batch.size());
        for (Experience e : batch) {
            reward += e.getReward();
            for (float a : Rewards.advantages(e)) advantage += a;
            lag += policyVersion - e.getPolicyVersion();
            if (e.getBaselineSource() == BaselineSource.NONE) missing++;
            tokens += e.getTokenIds().size();
            outcomes.merge(e.getOutcome().name(), 1, Integer::sum);
            ids.add(e.getSampleId());
        }
        int n = batch.size();
        return new RlBatchStats(n == 0 ? 0 : reward / n, tokens == 0 ? 0 : advantage / tokens, outcomes,
                n == 0 ? 0 : (double) missing / n, n == 0 ? 0 : lag / n, tokens, ids);
    }
}
