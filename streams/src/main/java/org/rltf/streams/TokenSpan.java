package org.rltf.streams;

/**
 * Completion tokens S..E (both inclusive) that the fine-grained reward penalises (RLTF-METHOD.md section 2);
 * {@link #NONE} (-1, -1) when no token is.
 */
public record TokenSpan(int start, int end) {
    public static final TokenSpan NONE = new TokenSpan(-1, -1);

    public TokenSpan {
        if (!(start == -1 && end == -1) && (start < 0 || end < start))
            throw new IllegalArgumentException("Token span must be NONE or 0 <= start <= end, got " + start + ".." + end);
    }

    /** Every token of a completion of {@code tokens} tokens (U_global); NONE for an empty completion. */
    public static TokenSpan all(int tokens) {
        return tokens == 0 ? NONE : new TokenSpan(0, tokens - 1);
    }

    public boolean isNone() { return start < 0; }

    /** E - S + 1, 0 for NONE. */
    public int length() { return isNone() ? 0 : end - start + 1; }

    public boolean contains(int token) { return !isNone() && token >= start && token <= end; }
}
