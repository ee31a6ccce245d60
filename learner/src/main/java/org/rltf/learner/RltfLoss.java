package org.rltf.learner;

import java.util.ArrayList;
import java.util.List;

import org.rltf.events.Experience;
import org.rltf.policy.ReferenceExamples;
import org.rltf.policy.TokenSequence;
import org.rltf.streams.Rewards;

/**
 * The RLTF loss of RLTF-METHOD.md section 4, as per-token weights for {@link org.rltf.policy.PolicyTrainer}, whose
 * {@code accumulate} computes {@code L = - sum_t w_t * log p(w_t | prompt, w_<t)} and adds its gradient. One
 * optimizer step sums a supervised and an RL part:
 *
 * <pre>
 *   L      = lambda * L_rl + L_sl                                                             lambda = learner.rl.weight (1)
 *
 *   L_rl   = - sum_{W in RL batch} sum_t  A_t * log p(w_t | prompt, w_&lt;t)  /  N_rl          N_rl = RL tokens in the batch
 *   A_t    = {@link Rewards#advantages}(W): (R(W) - b(problem)) + R_fine_t * alpha, computed by the buffer
 *
 *   L_sl   = - sum_{reference} sum_t log p(y_t | prompt, y_&lt;t)  /  N_sl                    N_sl = reference tokens
 * </pre>
 *
 * So the RL weight of token t is {@code lambda * A_t / N_rl} and the supervised weight of every reference token is
 * {@code 1 / N_sl}: both terms are token means over their half of the batch. The REINFORCE form is
 * behaviour-independent: no importance ratio, no critic, no KL, no entropy term (section 4).
 *
 * <p>Everything inside A_t (R(W) under the ablation switches {@code reward.*.enabled}, the baseline b, the span
 * S..E, alpha) is the buffer's, written into the {@link Experience} once; the learner computes nothing of it.
 */
public final class RltfLoss {
    private RltfLoss() {}

    /** The RL part with lambda = 1. */
    public static List<TokenSequence> rlSequences(List<Experience> batch) {
        return rlSequences(batch, 1f);
    }

    /** The RL part: one sequence per experience, weights lambda * A_t / N_rl. */
    public static List<TokenSequence> rlSequences(List<Experience> batch, float lambda) {
        int n = 0; // N_rl
        for (Experience e : batch) n += e.getTokenIds().size();
        List<TokenSequence> out = new ArrayList<>(batch.size());
        for (Experience e : batch) {
            float[] a = Rewards.advantages(e);
            float[] w = new float[a.length];
            for (int t = 0; t < a.length; t++) w[t] = lambda * a[t] / n;
            out.add(new TokenSequence(ints(e.getPromptTokenIds()), ints(e.getTokenIds()), w));
        }
        return out;
    }

    /**
     * Whether {@code e} moves the RL term's gradient at all: A_t is non-zero on at least one of its tokens (with
     * reward.negative.scale 0, a program at or below its baseline is not). What learner.rl.draw=signal draws from.
     */
    public static boolean entersGradient(Experience e) {
        for (float a : Rewards.advantages(e))
            if (a != 0f) return true;
        return false;
    }

    /**
     * The supervised part: weights 1 / N_sl on every reference token (token-mean cross-entropy), the weights of the
     * supervised warm-up ({@link ReferenceExamples#tokenMean}).
     */
    public static List<TokenSequence> slSequences(List<ReferenceExamples.Encoded> batch) {
        return ReferenceExamples.tokenMean(batch);
    }

    static int[] ints(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
