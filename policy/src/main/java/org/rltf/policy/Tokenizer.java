package org.rltf.policy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Text to token ids and back. {@link #decode} also says which characters of the decoded text each
 * token produced, so a grader's error line can be mapped back to the tokens that wrote it.
 *
 * <p>Offsets are in UTF-16 units of the Java {@code String}. A token that produces only part of a
 * character (one byte of a multi-byte UTF-8 sequence) is given the span of that whole character,
 * so spans of such tokens overlap, as Hugging Face's byte-level offsets do. Special tokens (eos)
 * produce no text and get an empty span where they stand.
 */
public interface Tokenizer extends AutoCloseable {
    int vocabSize();

    int eosId();

    /** {@code bytes} or {@code huggingface}; recorded in a checkpoint's config.json. */
    String kind();

    int[] encode(String text);

    /** Text of {@code ids} (special tokens skipped) and per-token [start, end) offsets into it. */
    Decoded decode(int[] ids);

    /** Decoded text plus per-token character offsets, one entry per input id. */
    record Decoded(String text, int[] starts, int[] ends) {}

    /** Writes the files needed to rebuild this tokenizer into a checkpoint directory (none for bytes). */
    void writeTo(Path dir) throws IOException;

    @Override
    default void close() {}

    /** Byte-level: ids 0..255 are the UTF-8 bytes, 256 is eos. Needs no files. */
    static Tokenizer bytes() {
        return ByteTokenizer.INSTANCE;
    }

    /** A Hugging Face {@code tokenizer.json} (any model type the tokenizers library reads), loaded offline. */
    static Tokenizer huggingFace(Path tokenizerJson) {
        return HfTokenizer.load(tokenizerJson, null);
    }

    /** As {@link #huggingFace(Path)} with the eos token named explicitly (e.g. {@code <|endoftext|>}). */
    static Tokenizer huggingFace(Path tokenizerJson, String eosToken) {
        return HfTokenizer.load(tokenizerJson, eosToken);
    }

}
