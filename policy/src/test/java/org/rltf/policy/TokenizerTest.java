package org.rltf.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizerTest {
    static { PolicyRuntime.configureOffline(); }

    private static final List<String> TEXTS = List.of("", "def add(a, b):\n    return a + b\n", "naïve café", "日本語のテキスト", "emoji 😀 and 𝄞 clef", "tab\tand\r\nnewline");

    @Test
    void bytesRoundTripWithOffsets() {
        Tokenizer t = Tokenizer.bytes();
        assertThat(t.vocabSize()).isEqualTo(257);
        assertThat(t.eosId()).isEqualTo(256);
        for (String s : TEXTS) {
            int[] ids = t.encode(s);
            Tokenizer.Decoded d = t.decode(ids);
            assertThat(d.text()).isEqualTo(s);
            assertOffsetsCover(d, ids.length);
        }
        // "é" is two bytes: both tokens carry the span of the one character
        Tokenizer.Decoded d = t.decode(t.encode("aé"));
        assertThat(d.starts()).containsExactly(0, 1, 1);
        assertThat(d.ends()).containsExactly(1, 2, 2);
        // the emoji is 4 bytes and 2 UTF-16 units
        d = t.decode(t.encode("😀!"));
        assertThat(d.starts()).containsExactly(0, 0, 0, 0, 2);
        assertThat(d.ends()).containsExactly(2, 2, 2, 2, 3);
    }

    @Test
    void bytesDecodeIsTotal() {
        Tokenizer t = Tokenizer.bytes();
        // a lone continuation byte, a truncated sequence, an overlong encoding, eos in the middle
        Tokenizer.Decoded d = t.decode(new int[] {'a', 0x80, 0xE6, 0x97, 'b', 0xC0, 0xAF, 256, 'c'});
        assertThat(d.text()).isEqualTo("a\uFFFD\uFFFD\uFFFDb\uFFFD\uFFFDc");
        assertThat(d.starts()[7]).isEqualTo(d.ends()[7]); // eos: empty span
        assertThat(d.starts()[7]).isEqualTo(7);
        assertThatThrownBy(() -> t.decode(new int[] {257})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void huggingFaceByteLevelBpe(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, byteLevelBpe());
        try (Tokenizer t = Tokenizer.huggingFace(file)) {
            assertThat(t.kind()).isEqualTo("huggingface");
            assertThat(t.vocabSize()).isEqualTo(256 + 4 + 1);
            assertThat(t.eosId()).isEqualTo(260);
            int[] ids = t.encode("def def");
            assertThat(ids.length).isLessThan("def def".length()); // merges applied
            for (String s : TEXTS) {
                int[] e = t.encode(s);
                Tokenizer.Decoded d = t.decode(e);
                assertThat(d.text()).isEqualTo(s);
                assertOffsetsCover(d, e.length);
            }
            // the 4 byte tokens of the emoji all carry its span
            Tokenizer.Decoded d = t.decode(t.encode("x😀"));
            assertThat(d.text()).isEqualTo("x😀");
            assertThat(d.starts()).containsExactly(0, 1, 1, 1, 1);
            assertThat(d.ends()).containsExactly(1, 3, 3, 3, 3);
            // eos is skipped in the text and gets an empty span
            int[] withEos = {t.encode("de")[0], t.eosId()};
            d = t.decode(withEos);
            assertThat(d.text()).isEqualTo("de");
            assertThat(d.starts()[1]).isEqualTo(2);
            assertThat(d.ends()[1]).isEqualTo(2);
        }
    }

    @Test
    void huggingFaceWordLevel(@TempDir Path dir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 0).put("content", "[UNK]").put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", false).put("special", true);
        added.addObject().put("id", 1).put("content", "</s>").put("single_word", false).put("lstrip", false).put("rstrip", false)
                .put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel").put("unk_token", "[UNK]");
        ObjectNode vocab = model.putObject("vocab");
        String[] words = {"[UNK]", "</s>", "return", "x", "+", "1"};
        for (int i = 0; i < words.length; i++) vocab.put(words[i], i);
        Path file = dir.resolve("tokenizer.json");
        m.writeValue(file.toFile(), root);
        try (Tokenizer t = Tokenizer.huggingFace(file)) {
            assertThat(t.vocabSize()).isEqualTo(6);
            assertThat(t.eosId()).isEqualTo(1);
            int[] ids = t.encode("return x + 1");
            assertThat(ids).containsExactly(2, 3, 4, 5);
            Tokenizer.Decoded d = t.decode(ids);
            assertThat(d.text()).isEqualTo("return x + 1");
            assertThat(d.starts()).containsExactly(0, 6, 8, 10);
            assertThat(d.ends()).containsExactly(6, 8, 10, 12); // a word's span includes the space the decoder puts before it... or after
        }
    }

    @Test
    void huggingFaceWithoutEosIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"added_tokens\":[],\"model\":{\"type\":\"WordLevel\",\"unk_token\":\"a\",\"vocab\":{\"a\":0,\"b\":1}}}");
        assertThatThrownBy(() -> Tokenizer.huggingFace(file)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("end-of-sequence");
    }

    static void assertOffsetsCover(Tokenizer.Decoded d, int n) {
        assertThat(d.starts()).hasSize(n);
        assertThat(d.ends()).hasSize(n);
        int prevStart = 0;
        for (int i = 0; i < n; i++) {
            assertThat(d.starts()[i]).isBetween(prevStart, d.text().length());
            assertThat(d.ends()[i]).isBetween(d.starts()[i], d.text().length());
            prevStart = d.starts()[i];
        }
        // every character is covered by some token
        boolean[] covered = new boolean[d.text().length()];
        for (int i = 0; i < n; i++) for (int c = d.starts()[i]; c < d.ends()[i]; c++) covered[c] = true;
        for (boolean c : covered) assertThat(c).isTrue();
    }

    /** A byte-level BPE in GPT-2's format: the 256 byte symbols, merges for "de", "def", " d", and an eos. */
    static String byteLevelBpe() throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens").addObject().put("id", 260).put("content", "<|endoftext|>").put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        List<String> sym = byteSymbols();
        for (int b = 0; b < 256; b++) vocab.put(sym.get(b), b);
        String space = sym.get(' ');
        vocab.put("de", 256);
        vocab.put("def", 257);
        vocab.put(space + "d", 258);
        vocab.put(space + "de", 259);
        ArrayNode merges = model.putArray("merges");
        merges.add("d e").add("de f").add(space + " d").add(space + "d e");
        return m.writeValueAsString(root);
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to code points from 256 up. */
    static List<String> byteSymbols() {
        List<String> out = new ArrayList<>();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out.add(new String(Character.toChars(printable ? b : 256 + n++)));
        }
        return out;
    }
}
