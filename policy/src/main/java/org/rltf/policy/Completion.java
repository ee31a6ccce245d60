package org.rltf.policy;

/**
 * One sampled completion.
 *
 * <p>{@code text} excludes the prompt, the eos token and any stop string. {@code tokenIds} are the
 * tokens the model sampled, in order: when {@code finishReason} is {@code eos} the last one is the
 * eos id (its span is empty, at the end of the text, so a learner trains the model to stop); when
 * it is {@code stop}, tokens lying wholly inside or after the stop string are dropped and a token
 * that straddles its start keeps a span clipped to the text. Offsets are UTF-16 units of
 * {@code text} (see {@link Tokenizer}).
 *
 * @param logProbs natural-log probability of each token under the model's own distribution
 *                 (log-softmax of the raw logits, before temperature and top-p)
 * @param finishReason {@code eos}, {@code stop} or {@code length}
 */
public record Completion(String text, int[] tokenIds, int[] tokenStarts, int[] tokenEnds, float[] logProbs, String finishReason) {
    public static final String EOS = "eos";
    public static final String STOP = "stop";
    public static final String LENGTH = "length";
}
