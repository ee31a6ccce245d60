package org.rltf.learner;

import java.util.ArrayList;
import java.util.List;

import org.rltf.events.Experience;
import org.rltf.events.Outcome;
import org.rltf.policy.TokenSequence;

/**
 * The RLTF loss of RLTF-METHOD.md section 4, as per-token weights for {@link org.rltf.policy.PolicyTrainer}, whose
 * {@code accumulate} computes {@code L = - sum_t w_t * log p(w_t | prompt, w_<t)} and adds its gradient. One
 * optimizer step sums a supervised and an RL part:
 *
 * <pre>
 *   L      = L_rl + L_sl
 *
 *   L_rl   = - sum_{W in RL batch} sum_t  A_t * log p(w_t | prompt, w_&lt;t)  /  N_rl          N_rl = RL tokens in the batch
 *   A_t    = (R(W) - b(problem)) + R_fine_t * alpha
 *   R(W)   = R_adaptive = -0.3 + 1.3 * passed / total    for a FAILURE, when adaptive is on   (section 3)
 *          = R_coarse   (+1, -0.3, -0.6, -1)             otherwise, when coarse is on         (section 1)
 *          = 0                                           otherwise
 *   R_fine_t = -0.3 on the penalised tokens S..E (U_line: the error line; U_global: all), else 0   (section 2)
 *   alpha  = T / (E - S + 1)   (or 1, the released code's mode; decided by the buffer, stored in the Experience)
 *
 *   L_sl   = - sum_{reference} sum_t log p(y_t | prompt, y_&lt;t)  /  N_sl                    N_sl = reference tokens
 * </pre>
 *
 * So the RL weight of token t is {@code A_t / N_rl} and the supervised weight of every reference token is
 * {@code 1 / N_sl}: both terms are token means over their half of the batch. The REINFORCE form is
 * behaviour-independent: no importance ratio, no critic, no KL, no entropy term (section 4).
 *
 * <p>The rewards, baseline b, span S..E and alpha come from the {@link Experience} the buffer computed; the
 * switches ({@link Terms}) are the ablations. The learner gives the buffer the same switches, so b (the greedy
 * program's R under them) is consistent with R(W) here.
 */
public final class RltfLoss {
    private RltfLoss() {}

    /** Which terms are on (the ablations of section 4). */
    public record Terms(boolean coarse, boolean adaptive, boolean fine, boolean supervised) {
        public static final Terms ALL = new Terms(true, true, true, true);

        /** Whether the RL part can be non-zero at all. */
        public boolean rl() { return coarse || adaptive || fine; }
    }

    /** A supervised example: a reference solution's tokens after its problem's prompt. */
    public record Reference(String id, int[] promptIds, int[] completionIds) {}

    /** R(W) under the switches. */
    public static float sequenceReward(Experience e, Terms terms) {
        if (e.getOutcome() == Outcome.FAILURE && terms.adaptive() && e.getRewardAdaptive() != null)
            return e.getRewardAdaptive();
        return terms.coarse() ? e.getRewardCoarse() : 0f;
    }

    /** A_t = (R(W) - b) + R_fine_t * alpha, for each completion token t of {@code e}. */
    public static float[] advantages(Experience e, Terms terms) {
        int tokens = e.getTokenIds().size();
        // With both sequence-level rewards off there is no R(W) - b term at all (b is then 0 too).
        float sequence = terms.coarse() || terms.adaptive() ? sequenceReward(e, terms) - e.getBaseline() : 0f;
        float fine = terms.fine() ? e.getFineReward() * e.getAlpha() : 0f;
        int s = e.getFineStartToken();
        int end = e.getFineEndToken();
        float[] a = new float[tokens];
        for (int t = 0; t < tokens; t++) a[t] = sequence + (s >= 0 && t >= s && t <= end ? fine : 0f);
        return a;
    }

    /** The RL part: one sequence per experience, weights A_t / N_rl. Empty when no RL term is on. */
    public static List<TokenSequence> rlSequences(List<Experience> batch, Terms terms) {
        if (!terms.rl()) return List.of();
        int n = 0; // N_rl
        for (Experience e : batch) n += e.getTokenIds().size();
        List<TokenSequence> out = new ArrayList<>(batch.size());
        for (Experience e : batch) {
            float[] a = advantages(e, terms);
            float[] w = new float[a.length];
            for (int t = 0; t < a.length; t++) w[t] = a[t] / n;
            out.add(new TokenSequence(ints(e.getPromptTokenIds()), ints(e.getTokenIds()), w));
        }
        return out;
    }

    /** The supervised part: weights 1 / N_sl on every reference token (token-mean cross-entropy). */
    public static List<TokenSequence> slSequences(List<Reference> batch) {
        int n = 0; // N_sl
        for (Reference r : batch) n += r.completionIds().length;
        List<TokenSequence> out = new ArrayList<>(batch.size());
        for (Reference r : batch) {
            float[] w = new float[r.completionIds().length];
            java.util.Arrays.fill(w, 1f / n);
            out.add(new TokenSequence(r.promptIds(), r.completionIds(), w));
        }
        return out;
    }

    static int[] ints(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
