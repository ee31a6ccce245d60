package org.rltf.policy;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@code rltf model info} prints about a checkpoint, read without loading the weights: its
 * digest and size, the model config, parameter count, the dtype it was imported from (null for a
 * model trained here from scratch; its default export dtype), the tokenizer.
 *
 * <p>Memory, per parameter, as the code here holds it (float32 on the CPU, weights loaded once per
 * process: checkpoints are streamed into libtorch one tensor at a time and saved the same way, so
 * neither adds a second copy of the model):
 * <ul>
 *   <li>learner: {@value #LEARNER_BYTES_PER_PARAM} bytes: weights 4, gradients 4, AdamW's two moments 8; plus
 *       activations, which grow with micro-batch x length (roughly layers x tokens x (a few x width +
 *       heads x length) x 4 bytes, since backward keeps every block's inputs and attention weights);</li>
 *   <li>generator (and evaluator): {@value #GENERATOR_BYTES_PER_PARAM} bytes of weights, plus the KV cache,
 *       {@link #kvCacheBytesPerToken()} bytes per token of each row being decoded;</li>
 *   <li>in flight while loading: the largest tensor once more (twice when widening bf16/f16).</li>
 * </ul>
 */
public record ModelInfo(Path dir, String sha256, long sizeBytes, ModelConfig config, String sourceDtype, String tokenizer) {
    public static final int LEARNER_BYTES_PER_PARAM = 16;
    public static final int GENERATOR_BYTES_PER_PARAM = 4;

    static { PolicyRuntime.configureOffline(); }

    /** Verifies the checkpoint and describes it. */
    public static ModelInfo of(Path dir) {
        try (Checkpoints.Verified v = Checkpoints.readVerified(dir, null)) {
            ModelConfig config = Policy.parseConfig(v);
            String tok;
            try (Tokenizer t = Policy.tokenizerOf(v, config)) {
                tok = t instanceof HfTokenizer hf
                        ? String.format(Locale.ROOT, "tokenizer.json, %,d ids, eos %s (%d)", t.vocabSize(), hf.eosToken(), t.eosId())
                        : String.format(Locale.ROOT, "bytes, %d ids, eos %d", t.vocabSize(), t.eosId());
            }
            long size = Checkpoints.manifestSize(dir);
            for (byte[] b : v.files().values()) size += b.length;
            for (SafetensorsFile f : v.tensorFiles().values()) {
                try {
                    size += f.size();
                } catch (java.io.IOException e) {
                    throw new CheckpointException("cannot read " + f.file() + ": " + e.getMessage(), e);
                }
            }
            var carried = Checkpoints.carried(v);
            String source = carried.containsKey(HfImport.IMPORT_FILE) ? HfExport.torchDtype(HfImport.sourceDtype(carried)) : null;
            return new ModelInfo(dir, v.sha256(), size, config, source, tok);
        }
    }

    public long parameters() { return config.parameterCount(); }

    /** The weights are float32 in a checkpoint, whatever they were imported as. */
    public String storedDtype() { return "float32"; }

    /** Key and value of every layer, float32, for one token of one row. */
    public long kvCacheBytesPerToken() {
        int kvHeads = config.arch() instanceof LlamaConfig l ? l.kvHeads() : config.heads();
        return 2L * config.layers() * kvHeads * config.headDim() * 4;
    }

    /** Learner memory before activations. */
    public long learnerBytes() { return LEARNER_BYTES_PER_PARAM * parameters(); }

    /** Generator memory before the KV cache. */
    public long generatorBytes() { return GENERATOR_BYTES_PER_PARAM * parameters(); }
}
