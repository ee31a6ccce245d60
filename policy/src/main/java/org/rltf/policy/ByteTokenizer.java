package org.rltf.policy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Byte-level tokenizer: a token is one UTF-8 byte (0..255); 256 is end-of-sequence. No vocabulary
 * file, nothing to train, and every string encodes. Decoding follows UTF-8 strictly; a byte that
 * does not begin a well-formed sequence becomes U+FFFD (the model can emit any byte sequence).
 */
final class ByteTokenizer implements Tokenizer {
    static final String KIND = "bytes";
    static final int EOS = 256;
    static final int VOCAB_SIZE = 257;
    static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {}

    @Override public int vocabSize() { return VOCAB_SIZE; }

    @Override public int eosId() { return EOS; }

    @Override public String kind() { return KIND; }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    @Override
    public Decoded decode(int[] ids) {
        StringBuilder text = new StringBuilder(ids.length);
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int i = 0;
        while (i < ids.length) {
            int id = ids[i];
            if (id < 0 || id >= VOCAB_SIZE) throw new IllegalArgumentException("token id " + id + " outside the byte vocabulary [0, " + VOCAB_SIZE + ")");
            if (id >= 256) { // special: no text
                starts[i] = ends[i] = text.length();
                i++;
                continue;
            }
            int len = sequenceLength(ids, i);
            int start = text.length();
            if (len == 0) {
                text.append('\uFFFD');
                starts[i] = start;
                ends[i] = start + 1;
                i++;
                continue;
            }
            int cp = id & (0xFF >> (len + 1));
            if (len == 1) cp = id;
            for (int k = 1; k < len; k++) cp = (cp << 6) | (ids[i + k] & 0x3F);
            text.appendCodePoint(cp);
            for (int k = 0; k < len; k++) {
                starts[i + k] = start;
                ends[i + k] = text.length();
            }
            i += len;
        }
        return new Decoded(text.toString(), starts, ends);
    }

    /** Length of the well-formed UTF-8 sequence starting at {@code i}, or 0 when there is none (RFC 3629 table 3-7). */
    private static int sequenceLength(int[] ids, int i) {
        int b = ids[i];
        int len;
        int lo = 0x80;
        int hi = 0xBF;
        if (b < 0x80) return 1;
        else if (b >= 0xC2 && b <= 0xDF) len = 2;
        else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            if (b == 0xE0) lo = 0xA0;
            if (b == 0xED) hi = 0x9F; // no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;
        } else return 0;
        if (i + len > ids.length) return 0;
        for (int k = 1; k < len; k++) {
            int c = ids[i + k];
            int min = k == 1 ? lo : 0x80;
            int max = k == 1 ? hi : 0xBF;
            if (c < min || c > max) return 0;
        }
        return len;
    }

    @Override public void writeTo(Path dir) {}

    @Override public String toString() { return "Tokenizer.bytes()"; }
}
