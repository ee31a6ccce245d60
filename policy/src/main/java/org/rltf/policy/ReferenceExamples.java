package org.rltf.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reference completions as supervised training data, written once for the supervised warm-up ({@link Sft}) and the
 * learner's supervised term: how an {@link SftExample} becomes token ids that fit a model's context, and the
 * token-mean cross-entropy weights of a batch of them.
 */
public final class ReferenceExamples {
    private ReferenceExamples() {}

    /** A reference example as token ids: the model is conditioned on {@code promptIds} and learns {@code completionIds}. */
    public record Encoded(String id, int[] promptIds, int[] completionIds) {
        public Encoded {
            if (id == null || promptIds == null || completionIds == null)
                throw new IllegalArgumentException("Encoded fields must not be null");
        }
    }

    /** {@link #encode(SftExample, Tokenizer, int, int)} with no limit but the context. */
    public static Encoded encode(SftExample e, Tokenizer tokenizer, int context) {
        return encode(e, tokenizer, context, Integer.MAX_VALUE);
    }

    /**
     * Prompt and completion (+ eos) token ids fitted into {@code context}: the completion is cut at
     * {@code maxCompletionTokens} first (then it has no eos: the model learns the start of a solution, not to stop
     * early); the prompt keeps its last tokens, at least a quarter of the context when it is that long; the
     * completion is cut at the end if it still does not fit.
     */
    public static Encoded encode(SftExample e, Tokenizer tokenizer, int context, int maxCompletionTokens) {
        if (maxCompletionTokens < 1) throw new IllegalArgumentException("maxCompletionTokens must be >= 1, got " + maxCompletionTokens);
        int[] p = tokenizer.encode(e.prompt());
        int[] c0 = tokenizer.encode(e.completion());
        int[] c = Arrays.copyOf(c0, c0.length + 1);
        c[c0.length] = tokenizer.eosId();
        if (c.length > maxCompletionTokens) c = Arrays.copyOf(c, maxCompletionTokens);
        int promptKeep = Math.min(p.length, Math.max(context - c.length, context / 4));
        int compKeep = Math.min(c.length, context - Math.max(promptKeep, 1));
        return new Encoded(e.id(), Arrays.copyOfRange(p, p.length - promptKeep, p.length), Arrays.copyOf(c, compKeep));
    }

    /** Each example encoded, in the given order. */
    public static List<Encoded> encodeAll(List<SftExample> examples, Tokenizer tokenizer, int context,
                                          int maxCompletionTokens) {
        List<Encoded> out = new ArrayList<>(examples.size());
        for (SftExample e : examples) out.add(encode(e, tokenizer, context, maxCompletionTokens));
        return out;
    }

    /**
     * One optimizer step's supervised sequences: weight {@code 1 / N} on every completion token, N the completion
     * tokens of the whole batch, so {@link PolicyTrainer#accumulate} over its micro-batches sums to the token-mean
     * cross-entropy {@code - sum_t log p(y_t | prompt, y_<t) / N}.
     */
    public static List<TokenSequence> tokenMean(List<Encoded> batch) {
        int n = 0; // N
        for (Encoded e : batch) n += e.completionIds().length;
        List<TokenSequence> out = new ArrayList<>(batch.size());
        for (Encoded e : batch) {
            float[] w = new float[e.completionIds().length];
            Arrays.fill(w, 1f / n);
            out.add(new TokenSequence(e.promptIds(), e.completionIds(), w));
        }
        return out;
    }
}
