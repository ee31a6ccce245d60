package org.rltf.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Byte tokens: one per character, eos 256. */
class ReferenceExamplesTest {
    private static final Tokenizer BYTES = Tokenizer.bytes();
    private static final int EOS = 256;

    @Test
    void anExampleThatFitsKeepsItsWholePromptAndCompletionAndEndsInEos() {
        ReferenceExamples.Encoded e = ReferenceExamples.encode(new SftExample("r", "ab", "xyz"), BYTES, 16, 512);
        assertThat(e.id()).isEqualTo("r");
        assertThat(e.promptIds()).containsExactly('a', 'b');
        assertThat(e.completionIds()).containsExactly('x', 'y', 'z', EOS);
    }

    @Test
    void theCompletionLimitCutsTheEndAndItsEos() {
        // "xyz" + eos is 4 tokens; at most 3: the solution's start, no eos (it does not end there).
        ReferenceExamples.Encoded e = ReferenceExamples.encode(new SftExample("r", "ab", "xyz"), BYTES, 16, 3);
        assertThat(e.completionIds()).containsExactly('x', 'y', 'z');
        // At exactly its length the eos stays.
        assertThat(ReferenceExamples.encode(new SftExample("r", "ab", "xyz"), BYTES, 16, 4).completionIds())
                .containsExactly('x', 'y', 'z', EOS);
    }

    @Test
    void anOverlongExampleKeepsThePromptsLastQuarterContextAndCutsTheCompletion() {
        // Context 8: prompt 10 tokens, completion 9 + eos = 10. The prompt keeps max(8 - 10, 8 / 4) = 2 last tokens,
        // the completion the 6 that are left.
        ReferenceExamples.Encoded e = ReferenceExamples.encode(new SftExample("r", "0123456789", "abcdefghi"), BYTES, 8);
        assertThat(e.promptIds()).containsExactly('8', '9');
        assertThat(e.completionIds()).containsExactly('a', 'b', 'c', 'd', 'e', 'f');
        // A short prompt gives the completion the rest: 1 prompt token, 7 completion tokens.
        e = ReferenceExamples.encode(new SftExample("r", "0", "abcdefghi"), BYTES, 8);
        assertThat(e.promptIds()).containsExactly('0');
        assertThat(e.completionIds()).hasSize(7);
        // No prompt: the trainer conditions on eos, which takes one place.
        assertThat(ReferenceExamples.encode(new SftExample("r", "", "abcdefghi"), BYTES, 8).completionIds()).hasSize(7);
    }

    @Test
    void tokenMeanWeighsEveryCompletionTokenOneOverTheBatchsTokens() {
        List<ReferenceExamples.Encoded> batch = List.of(
                new ReferenceExamples.Encoded("a", new int[] {1}, new int[] {2, 3, 4}),
                new ReferenceExamples.Encoded("b", new int[] {5, 6}, new int[] {7}));
        List<TokenSequence> seqs = ReferenceExamples.tokenMean(batch); // N = 4
        assertThat(seqs).hasSize(2);
        assertThat(seqs.get(0).promptIds()).containsExactly(1);
        assertThat(seqs.get(0).weights()).containsExactly(0.25f, 0.25f, 0.25f);
        assertThat(seqs.get(1).completionIds()).containsExactly(7);
        assertThat(seqs.get(1).weights()).containsExactly(0.25f);
    }
}
