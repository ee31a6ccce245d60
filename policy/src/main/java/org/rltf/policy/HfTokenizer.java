package org.rltf.policy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's bundled tokenizers native library (offline: the
 * file is read here and handed over as a stream, nothing is looked up on a hub).
 *
 * <p>Decode offsets: the tokenizers library reports offsets only for encoding, and a token's text
 * depends on its neighbours (byte-level BPE splits characters, SentencePiece drops a leading
 * space), so the text each token adds is found by decoding: incrementally over a short window (two
 * decodes per token), checked against the decode of the whole sequence, and redone exactly over
 * every prefix (quadratic) in the rare case the check fails.
 */
final class HfTokenizer implements Tokenizer {
    static final String KIND = "huggingface";
    static final String FILE_NAME = "tokenizer.json";
    /**
     * Hugging Face's side file. It names the eos token, so a checkpoint reloads with the same one; an
     * imported model's is kept byte for byte (chat template, special tokens), else one naming eos is written.
     */
    static final String CONFIG_FILE_NAME = "tokenizer_config.json";
    /** Tried in order when no eos token is named. */
    private static final List<String> EOS_CANDIDATES = List.of("<|endoftext|>", "</s>", "<eos>", "<|end_of_text|>", "<|eot_id|>", "[EOS]", "<|im_end|>", "[SEP]");
    private static final int WINDOW = 4;

    private final byte[] fileBytes;
    private final byte[] configBytes;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int eosId;
    private final String eosToken;
    private final boolean[] special;

    private HfTokenizer(byte[] fileBytes, byte[] configBytes, HuggingFaceTokenizer tokenizer, int vocabSize, int eosId, String eosToken, boolean[] special) {
        this.fileBytes = fileBytes;
        this.configBytes = configBytes;
        this.eosToken = eosToken;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.eosId = eosId;
        this.special = special;
    }

    static HfTokenizer load(Path file, String eosToken) {
        PolicyRuntime.configureOffline();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file, e);
        }
        return fromBytes(bytes, null, eosToken, file.toString());
    }

    /**
     * @param configBytes a tokenizer_config.json to keep (its eos_token is used unless {@code eosToken} is given), or null
     * @param eosToken    the eos token, or null: tokenizer_config.json's, else the first of the usual names
     */
    static HfTokenizer fromBytes(byte[] bytes, byte[] configBytes, String eosToken, String origin) {
        if (eosToken == null && configBytes != null) eosToken = eosTokenFrom(configBytes);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer " + origin + " is not valid JSON: " + e.getMessage(), e);
        }
        Map<String, Integer> vocab = new HashMap<>();
        Map<String, Integer> specials = new HashMap<>();
        JsonNode modelVocab = root.path("model").path("vocab");
        if (modelVocab.isObject()) { // BPE, WordLevel, WordPiece: token -> id
            for (Iterator<Map.Entry<String, JsonNode>> it = modelVocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        } else if (modelVocab.isArray()) { // Unigram: [token, score] at index id
            for (int i = 0; i < modelVocab.size(); i++) vocab.put(modelVocab.get(i).path(0).asText(), i);
        } else {
            throw new IllegalArgumentException("tokenizer " + origin + " has no model.vocab");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.path("content").asText(), t.path("id").asInt());
            if (t.path("special").asBoolean(false)) specials.put(t.path("content").asText(), t.path("id").asInt());
        }
        int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (size < 2) throw new IllegalArgumentException("tokenizer " + origin + " has an empty vocabulary");
        Integer eos = null;
        String eosName = eosToken;
        if (eosToken != null) {
            eos = vocab.get(eosToken);
            if (eos == null) throw new IllegalArgumentException("tokenizer " + origin + " has no token '" + eosToken + "'");
        } else {
            for (String c : EOS_CANDIDATES) {
                if (vocab.containsKey(c)) {
                    eos = vocab.get(c);
                    eosName = c;
                    break;
                }
            }
            if (eos == null) {
                throw new IllegalArgumentException("tokenizer " + origin + ": no end-of-sequence token found among " + EOS_CANDIDATES
                        + " (special tokens: " + specials.keySet() + "); name it with Tokenizer.huggingFace(path, eosToken)");
            }
        }
        boolean[] isSpecial = new boolean[size];
        specials.values().forEach(id -> isSpecial[id] = true);
        isSpecial[eos] = true;
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("tokenizer " + origin + " could not be loaded: " + e.getMessage(), e);
        }
        return new HfTokenizer(bytes, configBytes, tok, size, eos, eosName, isSpecial);
    }

    @Override public int vocabSize() { return vocabSize; }

    @Override public int eosId() { return eosId; }

    @Override public String kind() { return KIND; }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    private String decodeRange(long[] ids, int from, int to) {
        return from >= to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), true);
    }

    @Override
    public Decoded decode(int[] ids) {
        long[] all = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) throw new IllegalArgumentException("token id " + ids[i] + " outside the vocabulary [0, " + vocabSize + ")");
            all[i] = ids[i];
        }
        String full = decodeRange(all, 0, all.length);
        Decoded fast = decodeIncremental(all);
        if (fast != null && fast.text().equals(full)) return fast;
        return decodeByPrefixes(all, full);
    }

    /** Two decodes per token over a window that starts a few tokens before the first uncommitted one. */
    private Decoded decodeIncremental(long[] ids) {
        StringBuilder out = new StringBuilder();
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int committed = 0;
        for (int i = 0; i < ids.length; i++) {
            if (special[(int) ids[i]] && committed == i) {
                starts[i] = ends[i] = out.length();
                committed = i + 1;
                continue;
            }
            int from = Math.max(0, committed - WINDOW);
            while (from > 0 && from < committed && special[(int) ids[from]]) from++;
            String before = decodeRange(ids, from, committed);
            String after = decodeRange(ids, from, i + 1);
            if (!after.startsWith(before)) return null;
            String added = after.substring(before.length());
            if (added.endsWith("\uFFFD") && i < ids.length - 1) continue; // incomplete character: wait for its next bytes
            int start = out.length();
            out.append(added);
            for (int k = committed; k <= i; k++) {
                starts[k] = start;
                ends[k] = out.length();
            }
            committed = i + 1;
        }
        return new Decoded(out.toString(), starts, ends);
    }

    /** Exact: token i ends where the decode of ids[0..i] stops agreeing with the full text. */
    private Decoded decodeByPrefixes(long[] ids, String full) {
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int prev = 0;
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            String prefix = decodeRange(ids, 0, i + 1);
            int common = 0;
            int max = Math.min(prefix.length(), full.length());
            while (common < max && prefix.charAt(common) == full.charAt(common)) common++;
            int end = Math.max(prev, common);
            pending.add(i);
            if (end > prev || i == ids.length - 1) {
                for (int k : pending) {
                    starts[k] = prev;
                    ends[k] = end;
                }
                pending.clear();
                prev = end;
            }
        }
        return new Decoded(full, starts, ends);
    }

    @Override
    public void writeTo(Path dir) throws IOException {
        Files.write(dir.resolve(FILE_NAME), fileBytes);
        Files.write(dir.resolve(CONFIG_FILE_NAME), configBytes());
    }

    /** The tokenizer_config.json this tokenizer came with, or one that names its eos token. */
    byte[] configBytes() {
        if (configBytes != null) return configBytes.clone();
        ObjectMapper json = new ObjectMapper();
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(json.createObjectNode().put("eos_token", eosToken));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String eosToken() { return eosToken; }

    /** The eos token named in a {@value #CONFIG_FILE_NAME}, or null. */
    static String eosTokenFrom(byte[] configBytes) {
        try {
            JsonNode n = new ObjectMapper().readTree(configBytes);
            JsonNode eos = n == null ? null : n.get("eos_token");
            if (eos == null) return null;
            return eos.isTextual() ? eos.asText() : eos.path("content").asText(null); // HF writes a string or an AddedToken object
        } catch (IOException e) {
            throw new IllegalArgumentException(CONFIG_FILE_NAME + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    byte[] fileBytes() { return fileBytes.clone(); }

    /** The text of token {@code id} in a tokenizer.json (added tokens first, then the model's vocabulary), or null. */
    static String tokenName(byte[] tokenizerJson, int id) {
        try {
            JsonNode root = new ObjectMapper().readTree(tokenizerJson);
            for (JsonNode t : root.path("added_tokens")) if (t.path("id").asInt(-1) == id) return t.path("content").asText();
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isArray()) return id < vocab.size() ? vocab.get(id).path(0).asText() : null;
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().asInt(-1) == id) return e.getKey();
            }
            return null;
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override public String toString() { return "Tokenizer.huggingFace(vocab " + vocabSize + ", eos " + eosId + ")"; }
}
