package org.rltf.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The language model generators sample from and the learner trains: a {@link CausalLm} of the
 * config's architecture on one device, its {@link Tokenizer}, sampling, and the checkpoint format.
 *
 * <p>Not thread-safe for concurrent use: sampling, weight switches, saving and training steps
 * synchronize on the instance, so a weight switch never lands in the middle of a batch.
 */
public final class Policy implements AutoCloseable {
    static { PolicyRuntime.configureOffline(); }

    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final Device device;
    private final CausalLm model;
    /** Hugging Face files an imported model came with (under {@value Checkpoints#HF_DIR}), carried into every checkpoint saved from it. */
    private final Map<String, byte[]> carried;
    private volatile String checkpointSha256;

    private Policy(ModelConfig config, Tokenizer tokenizer, Device device, TensorSource weights, String sha, Map<String, byte[]> carried) {
        if (!config.tokenizerKind().equals(tokenizer.kind())) {
            throw new IllegalArgumentException("model config says tokenizer kind '" + config.tokenizerKind() + "' but the tokenizer is '" + tokenizer.kind() + "'");
        }
        if (config.vocabSize() < tokenizer.vocabSize()) {
            throw new IllegalArgumentException("model vocabSize " + config.vocabSize() + " is smaller than the tokenizer's " + tokenizer.vocabSize());
        }
        this.config = config;
        this.tokenizer = tokenizer;
        this.device = device;
        this.model = CausalLm.create(config, PolicyRuntime.engine().newBaseManager(device), weights);
        this.checkpointSha256 = sha;
        this.carried = carried;
    }

    /** A freshly initialised model (nanoGPT's scheme, seeded) on the default device. */
    public static Policy create(ModelConfig config, Tokenizer tokenizer, long seed) {
        return create(config, tokenizer, seed, PolicyRuntime.defaultDevice());
    }

    public static Policy create(ModelConfig config, Tokenizer tokenizer, long seed, Device device) {
        return new Policy(config, tokenizer, device, TensorSource.of(CausalLm.initialWeights(config, seed)), null, Map.of());
    }

    /** Loads a checkpoint directory after checking every file against its manifest. */
    public static Policy load(Path checkpointDir) {
        return load(checkpointDir, null, PolicyRuntime.defaultDevice());
    }

    /**
     * @param expectedSha256 the digest the directory must have (e.g. from a Checkpoint event), or null
     */
    public static Policy load(Path checkpointDir, String expectedSha256, Device device) {
        try (Checkpoints.Verified v = Checkpoints.readVerified(checkpointDir, expectedSha256)) {
            ModelConfig config = parseConfig(v);
            Tokenizer tokenizer = tokenizerOf(v, config);
            return new Policy(config, tokenizer, device, v.tensors(Checkpoints.WEIGHTS), v.sha256(), Checkpoints.carried(v));
        }
    }

    /**
     * Checks the checkpoint, then switches to its weights in place (same architecture and tokenizer required).
     *
     * @param expectedSha256 the digest the directory must have (e.g. from a Checkpoint event), or null
     */
    public synchronized void loadWeights(Path checkpointDir, String expectedSha256) {
        try (Checkpoints.Verified v = Checkpoints.readVerified(checkpointDir, expectedSha256)) {
            ModelConfig other = parseConfig(v);
            if (!other.equals(config)) {
                throw new CheckpointException("checkpoint " + checkpointDir + " is a different model (" + other + ") than this policy (" + config + ")");
            }
            if (tokenizer instanceof HfTokenizer) {
                if (!Arrays.equals(v.require(HfTokenizer.FILE_NAME), ((HfTokenizer) tokenizer).fileBytes())) {
                    throw new CheckpointException("checkpoint " + checkpointDir + " has a different tokenizer.json than this policy");
                }
            }
            model.parameters().replace(v.tensors(Checkpoints.WEIGHTS));
            checkpointSha256 = v.sha256();
        }
    }

    static ModelConfig parseConfig(Checkpoints.Verified v) {
        try {
            return ModelConfig.fromJson(new String(v.require(Checkpoints.CONFIG), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + v.dir() + ": bad config.json: " + e.getMessage(), e);
        }
    }

    static Tokenizer tokenizerOf(Checkpoints.Verified v, ModelConfig config) {
        switch (config.tokenizerKind()) {
            case ByteTokenizer.KIND:
                return Tokenizer.bytes();
            case HfTokenizer.KIND:
                return HfTokenizer.fromBytes(v.require(HfTokenizer.FILE_NAME), v.files().get(HfTokenizer.CONFIG_FILE_NAME), null,
                        v.dir().resolve(HfTokenizer.FILE_NAME).toString());
            default:
                throw new CheckpointException("checkpoint " + v.dir() + ": unknown tokenizer kind '" + config.tokenizerKind() + "'");
        }
    }

    public ModelConfig config() { return config; }

    public Tokenizer tokenizer() { return tokenizer; }

    public Device device() { return device; }

    /** Digest of the checkpoint these weights were last loaded from or saved to; null for fresh or since-trained weights. */
    public String checkpointSha256() { return checkpointSha256; }

    /**
     * Samples one completion per prompt, batched, with a KV cache. Prompts longer than
     * {@code context - maxNewTokens} keep their last tokens; an empty prompt is conditioned on eos.
     * Row i draws from a generator seeded {@code params.seed() + i}.
     */
    public List<Completion> sample(List<int[]> prompts, SamplingParams params) {
        return sample(prompts, params, Set.of());
    }

    /**
     * As {@link #sample(List, SamplingParams)}, never choosing a token in {@code suppressedTokens}
     * (e.g. eos, to force full-length rows in a benchmark). Reported log-probabilities are still
     * those of the model's unmodified distribution.
     */
    public synchronized List<Completion> sample(List<int[]> prompts, SamplingParams params, Set<Integer> suppressedTokens) {
        return new Sampler(model, tokenizer).sample(model.manager(), prompts, params, suppressedTokens);
    }

    /** Writes a checkpoint directory (must not exist or be empty) and returns its digest. */
    public synchronized CheckpointInfo save(Path dir) {
        CheckpointInfo info = Checkpoints.write(dir, this::writeFiles);
        checkpointSha256 = info.sha256();
        return info;
    }

    /**
     * Writes config.json, model.safetensors (streamed one parameter at a time: no second copy of the
     * model in memory), the tokenizer's files and the carried Hugging Face files into {@code dir} (no manifest).
     */
    synchronized void writeFiles(Path dir) throws IOException {
        Files.writeString(dir.resolve(Checkpoints.CONFIG), config.toJson());
        Map<String, NDArray> params = model.parameters().byName();
        Safetensors.write(dir.resolve(Checkpoints.WEIGHTS), Safetensors.F32, model.parameters().shapes(), Checkpoints.weightsMetadata(model.weightsLayout()),
                name -> params.get(name).toByteBuffer());
        tokenizer.writeTo(dir);
        Checkpoints.writeCarried(dir, carried);
    }

    /** The Hugging Face files this policy's checkpoints carry (see {@link Checkpoints#HF_DIR}), by path inside a checkpoint. */
    Map<String, byte[]> carried() { return carried; }

    /**
     * Writes the weights as a Hugging Face GPT-2 safetensors file: no {@code transformer.} prefix and
     * Conv1D layout (c_attn, c_proj, c_fc weights stored (in, out)), as {@link Gpt2Weights} reads.
     */
    public synchronized void exportGpt2(Path file) throws IOException {
        if (!(config.arch() instanceof Gpt2Config)) throw new IllegalStateException("exportGpt2 on a " + config.architecture() + " model; its checkpoint's model.safetensors already has Hugging Face names");
        Safetensors.write(file, Gpt2Weights.toHuggingFace(model.parameters().snapshot()), Map.of("format", "pt"));
    }

    /**
     * A policy from GPT-2 weights saved by another tool (Hugging Face or nanoGPT names, Conv1D or
     * Linear layout, see {@link Gpt2Weights}); {@code config} must be a GPT-2 config. For Llama
     * weights see {@link #importLlama(Path, ModelConfig, Tokenizer, Device)}.
     * Note GPT-2 itself uses the tanh approximation of GELU; this model uses the exact GELU, so
     * imported GPT-2 logits differ slightly (|gelu - gelu_tanh| < 5e-4 per activation).
     */
    public static Policy importGpt2(Path safetensorsFile, ModelConfig config, Tokenizer tokenizer, Device device) {
        if (!(config.arch() instanceof Gpt2Config)) throw new IllegalArgumentException("importGpt2 needs a gpt2 model config, got " + config.architecture());
        Map<String, Safetensors.Tensor> weights;
        try {
            weights = Gpt2Weights.fromForeign(Safetensors.read(safetensorsFile).tensors(), config);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + safetensorsFile + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(safetensorsFile + ": " + e.getMessage(), e);
        }
        return new Policy(config, tokenizer, device, TensorSource.of(weights), null, Map.of());
    }

    /**
     * A policy from Llama weights saved by another tool under Hugging Face LlamaForCausalLM's names
     * (see {@link LlamaWeights}); {@code config} must be a llama config, e.g. from
     * {@link ModelConfig#fromHuggingFaceLlama(String, String)}. BF16/F16 files are widened to float32.
     */
    public static Policy importLlama(Path safetensorsFile, ModelConfig config, Tokenizer tokenizer, Device device) {
        Map<String, Safetensors.Tensor> weights;
        try {
            weights = LlamaWeights.fromForeign(Safetensors.read(safetensorsFile).tensors(), config);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + safetensorsFile + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(safetensorsFile + ": " + e.getMessage(), e);
        }
        return new Policy(config, tokenizer, device, TensorSource.of(weights), null, Map.of());
    }

    CausalLm model() { return model; }

    void markTrained() { checkpointSha256 = null; }

    @Override
    public synchronized void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "Policy(" + config + ", " + tokenizer + ", " + device + (checkpointSha256 == null ? "" : ", " + checkpointSha256) + ")";
    }
}
