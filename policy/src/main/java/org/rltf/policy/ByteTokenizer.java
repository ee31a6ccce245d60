package org.rltf.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** The eos token's name in {@link #huggingFaceJson()}, GPT-2's. */
    static final String EOS_NAME = "<|endoftext|>";

    /**
     * This tokenizer as a Hugging Face {@code tokenizer.json}: a byte-level BPE with no merges whose
     * 256 symbols are GPT-2's byte-to-character table, symbol i standing for byte i, and eos added as
     * special token 256. The ByteLevel pre-tokenizer without its regex keeps the text one word, so
     * every byte becomes its own id, exactly as {@link #encode} gives. One difference: Hugging Face
     * matches added tokens in the text, so the literal text {@value #EOS_NAME} encodes there as eos
     * and here as its 13 bytes.
     */
    static String huggingFaceJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eos = root.putArray("added_tokens").addObject();
        eos.put("id", EOS).put("content", EOS_NAME).put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        int[] chars = byteToChar();
        for (int b = 0; b < 256; b++) vocab.put(new String(Character.toChars(chars[b])), b);
        model.putArray("merges");
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest for U+0100 onwards in byte order. */
    static int[] byteToChar() {
        int[] out = new int[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? b : next++;
        }
        return out;
    }

    @Override public String toString() { return "Tokenizer.bytes()"; }
}
