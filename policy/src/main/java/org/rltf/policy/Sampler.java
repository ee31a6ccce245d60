package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling with a KV cache. Prompts are left-padded to a common length L;
 * a padding mask keeps real tokens from attending to padding and each row's positions start at 0
 * at its first real token, so a row sees exactly what it would alone. One prefill pass fills the
 * cache, then each step runs the model on one new token per row. The next-token distribution is
 * log-softmaxed by libtorch and the choice (greedy, temperature, top-p) is made in Java with a
 * per-row {@link SplittableRandom} seeded {@code seed + row}. Rows that finish are dropped from the
 * batch so later steps do less work.
 */
final class Sampler {
    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final int vocab;

    Sampler(CausalLm model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.vocab = model.config().vocabSize();
    }

    /** Per-row state; {@code index} is the row's position in the current (compacted) batch. */
    private static final class Row {
        final int[] prompt;
        final int pad;
        final SplittableRandom rng;
        final int[] tokens;
        final float[] logProbs;
        int count;
        String finish;

        Row(int[] prompt, int pad, long seed, int max) {
            this.prompt = prompt;
            this.pad = pad;
            this.rng = new SplittableRandom(seed);
            this.tokens = new int[max];
            this.logProbs = new float[max];
        }
    }

    List<Completion> sample(NDManager parent, List<int[]> prompts, SamplingParams params, Set<Integer> suppressed) {
        if (prompts.isEmpty()) return List.of();
        int context = model.config().context();
        if (params.maxNewTokens() >= context) {
            throw new IllegalArgumentException("maxNewTokens " + params.maxNewTokens() + " leaves no room for a prompt in a context of " + context);
        }
        int maxPrompt = context - params.maxNewTokens();
        int n = prompts.size();
        int[][] rowsPrompt = new int[n][];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) p = new int[] {tokenizer.eosId()}; // condition an empty prompt on eos, as GPT-2 does
            if (p.length > maxPrompt) p = Arrays.copyOfRange(p, p.length - maxPrompt, p.length);
            for (int id : p) if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt " + i + " has token id " + id + " outside [0, " + vocab + ")");
            rowsPrompt[i] = p;
            longest = Math.max(longest, p.length);
        }
        final int promptLen = longest;
        int capacity = promptLen + params.maxNewTokens();
        boolean[] allowed = new boolean[vocab];
        for (int id = 0; id < Math.min(vocab, tokenizer.vocabSize()); id++) allowed[id] = !suppressed.contains(id);
        int maxStop = params.stopStrings().stream().mapToInt(String::length).max().orElse(0);

        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) rows.add(new Row(rowsPrompt[i], promptLen - rowsPrompt[i].length, params.seed() + i, params.maxNewTokens()));
        List<Row> active = new ArrayList<>(rows);

        try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager sm = parent.newSubManager()) {
            KvCache cache = model.newCache(sm, n, capacity);
            float[] pm = new float[n * capacity];
            for (int i = 0; i < n; i++) Arrays.fill(pm, i * capacity, i * capacity + rows.get(i).pad, CausalMask.MASKED);
            NDArray padMask = sm.create(pm, new Shape(n, 1, 1, capacity));

            float[] logp;
            try (NDManager step = sm.newSubManager()) {
                long[] ids = new long[n * promptLen];
                long[] pos = new long[n * promptLen];
                for (int i = 0; i < n; i++) {
                    Row r = rows.get(i);
                    for (int j = 0; j < promptLen; j++) {
                        ids[i * promptLen + j] = j < r.pad ? tokenizer.eosId() : r.prompt[j - r.pad];
                        pos[i * promptLen + j] = Math.max(0, j - r.pad);
                    }
                }
                NDArray mask = model.causalMask(0, promptLen, step).add(Ops.slice(padMask, 3, 0, promptLen, step)); // [B, 1, L, L]
                NDArray h = model.hidden(step.create(ids, new Shape(n, promptLen)), step.create(pos, new Shape(n, promptLen)), mask, cache, 0, step);
                logp = model.logits(Ops.slice(h, 1, promptLen - 1, promptLen, step)).logSoftmax(-1).toFloatArray();
            }

            for (int t = 0; t < params.maxNewTokens(); t++) {
                List<Row> still = new ArrayList<>(active.size());
                long[] keep = new long[active.size()];
                for (int i = 0; i < active.size(); i++) {
                    Row r = active.get(i);
                    int token = choose(logp, i * vocab, allowed, params, r.rng);
                    r.tokens[r.count] = token;
                    r.logProbs[r.count] = logp[i * vocab + token];
                    r.count++;
                    if (token == tokenizer.eosId()) r.finish = Completion.EOS;
                    else if (maxStop > 0 && containsStop(r, params.stopStrings(), maxStop)) r.finish = Completion.STOP;
                    else if (r.count == params.maxNewTokens()) r.finish = Completion.LENGTH;
                    if (r.finish == null) {
                        keep[still.size()] = i;
                        still.add(r);
                    }
                }
                if (still.isEmpty()) break;
                if (still.size() < active.size()) {
                    try (NDManager tmp = sm.newSubManager()) {
                        NDArray rowsIdx = tmp.create(Arrays.copyOf(keep, still.size()));
                        cache.keepRows(rowsIdx);
                        NDArray pmNew = padMask.get(rowsIdx);
                        pmNew.attach(sm);
                        padMask.close();
                        padMask = pmNew;
                    }
                }
                active = still;
                int b = active.size();
                int at = promptLen + t; // absolute index of the token just chosen
                try (NDManager step = sm.newSubManager()) {
                    long[] ids = new long[b];
                    long[] pos = new long[b];
                    for (int i = 0; i < b; i++) {
                        Row r = active.get(i);
                        ids[i] = r.tokens[r.count - 1];
                        pos[i] = at - r.pad;
                    }
                    NDArray mask = Ops.slice(padMask, 3, 0, at + 1, step); // [B, 1, 1, at + 1]
                    NDArray h = model.hidden(step.create(ids, new Shape(b, 1)), step.create(pos, new Shape(b, 1)), mask, cache, at, step);
                    logp = model.logits(h).logSoftmax(-1).toFloatArray();
                }
            }
            cache.close();
        }
        List<Completion> out = new ArrayList<>(n);
        for (Row r : rows) out.add(finish(r, params.stopStrings()));
        return out;
    }

    /** Greedy, or temperature + nucleus sampling over the allowed ids, from log-probabilities at {@code off}. */
    static int choose(float[] logp, int off, boolean[] allowed, SamplingParams p, SplittableRandom rng) {
        int v = allowed.length;
        int best = -1;
        for (int id = 0; id < v; id++) if (allowed[id] && (best < 0 || logp[off + id] > logp[off + best])) best = id;
        if (best < 0) throw new IllegalArgumentException("every token is suppressed");
        if (p.isGreedy()) return best;
        double invT = 1.0 / p.temperature();
        double max = logp[off + best];
        double[] w = new double[v];
        double total = 0;
        for (int id = 0; id < v; id++) {
            if (allowed[id]) {
                w[id] = Math.exp((logp[off + id] - max) * invT);
                total += w[id];
            }
        }
        if (p.topP() >= 1f) {
            double u = rng.nextDouble() * total;
            int last = best;
            for (int id = 0; id < v; id++) {
                if (w[id] == 0) continue;
                last = id;
                u -= w[id];
                if (u < 0) return id;
            }
            return last;
        }
        // Nucleus: the smallest set of most probable tokens (weight descending as float32, then id ascending) with
        // mass >= topP. Found without sorting the vocabulary, which for Qwen2's 151,936 ids would be a sort per row per
        // decoding step (and a nearly flat distribution, a random-weights model's, puts most ids in the nucleus): the
        // weights' float32 bit patterns order as the weights do, so a radix select over their bits, 11 + 11 + 10,
        // each level a histogram of the ids that share the bits fixed so far, finds the smallest weight in the
        // nucleus; ids of exactly that weight join in id order. The draw walks the nucleus in id order.
        double need = p.topP() * total;
        int[] key = new int[v];
        for (int id = 0; id < v; id++) key[id] = allowed[id] ? Float.floatToIntBits((float) w[id]) : -1;
        double[] hist = new double[1 << 11];
        double above = 0; // mass of the tokens already known to be in
        int prefix = 0;
        int fixed = 0;
        for (int width : RADIX) {
            int shift = 32 - fixed - width;
            int mask = (1 << width) - 1;
            Arrays.fill(hist, 0);
            for (int id = 0; id < v; id++) {
                int k = key[id];
                if (k >= 0 && (fixed == 0 || k >>> (32 - fixed) == prefix)) hist[(k >>> shift) & mask] += w[id];
            }
            int b = mask;
            while (b > 0 && above + hist[b] < need) above += hist[b--];
            prefix = (prefix << width) | b;
            fixed += width;
        }
        int threshold = prefix; // the smallest weight in the nucleus, as float32 bits
        int lastTie = v - 1;
        for (int id = 0; id < v; id++) {
            if (key[id] == threshold) {
                above += w[id];
                if (above >= need) {
                    lastTie = id;
                    break;
                }
            }
        }
        double nucleus = 0;
        for (int id = 0; id < v; id++) if (key[id] > threshold || (key[id] == threshold && id <= lastTie)) nucleus += w[id];
        double u = rng.nextDouble() * nucleus;
        int chosen = best;
        for (int id = 0; id < v; id++) {
            if (!(key[id] > threshold || (key[id] == threshold && id <= lastTie))) continue;
            chosen = id;
            u -= w[id];
            if (u < 0) return id;
        }
        return chosen;
    }

    /** Bits per level of the nucleus' radix select, high to low; 32 in all. */
    private static final int[] RADIX = {11, 11, 10};

    private boolean containsStop(Row r, List<String> stops, int maxStop) {
        int window = Math.min(r.count, 4 * maxStop + 8); // a character is at most 4 byte tokens
        String tail = tokenizer.decode(Arrays.copyOfRange(r.tokens, r.count - window, r.count)).text();
        for (String s : stops) if (tail.contains(s)) return true;
        return false;
    }

    private Completion finish(Row r, List<String> stops) {
        int[] ids = Arrays.copyOf(r.tokens, r.count);
        float[] lps = Arrays.copyOf(r.logProbs, r.count);
        Tokenizer.Decoded d = tokenizer.decode(ids);
        String text = d.text();
        int[] starts = d.starts();
        int[] ends = d.ends();
        if (Completion.STOP.equals(r.finish)) {
            int cut = -1;
            for (String s : stops) {
                int at = text.indexOf(s);
                if (at >= 0 && (cut < 0 || at < cut)) cut = at;
            }
            if (cut >= 0) {
                int keep = 0;
                while (keep < ids.length && starts[keep] < cut) keep++;
                ids = Arrays.copyOf(ids, keep);
                lps = Arrays.copyOf(lps, keep);
                starts = Arrays.copyOf(starts, keep);
                ends = Arrays.copyOf(ends, keep);
                for (int i = 0; i < keep; i++) ends[i] = Math.min(ends[i], cut);
                text = text.substring(0, cut);
            }
        }
        return new Completion(text, ids, starts, ends, lps, r.finish);
    }
}
