package org.rltf.policy;

/**
 * A training or scoring example: the model is conditioned on {@code promptIds} and scored on
 * {@code completionIds}, one weight per completion token (the loss is
 * {@code -sum_t weights[t] * log p(completion[t] | prompt, completion[<t])}).
 * An empty prompt is conditioned on the eos token, as sampling does.
 */
public record TokenSequence(int[] promptIds, int[] completionIds, float[] weights) {
    public TokenSequence {
        if (promptIds == null || completionIds == null || weights == null) throw new IllegalArgumentException("null array in TokenSequence");
        if (weights.length != completionIds.length) {
            throw new IllegalArgumentException("TokenSequence: " + weights.length + " weights for " + completionIds.length + " completion tokens");
        }
    }

    /** Unit weights, for scoring with {@link PolicyTrainer#logProbs}. */
    public static TokenSequence of(int[] promptIds, int[] completionIds) {
        float[] w = new float[completionIds.length];
        java.util.Arrays.fill(w, 1f);
        return new TokenSequence(promptIds, completionIds, w);
    }
}
