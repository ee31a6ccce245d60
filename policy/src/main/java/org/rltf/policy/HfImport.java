package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Hugging Face model directory (config.json, tokenizer.json, safetensors weights, single or
 * sharded, any size, F32/BF16/F16) to a checkpoint directory: the config read by {@link HfConfigs},
 * the weights renamed by {@link Gpt2Weights} or {@link LlamaWeights} and written as float32 one
 * tensor at a time, the tokenizer kept byte for byte, and the directory's other Hugging Face files
 * carried under {@value Checkpoints#HF_DIR} for the export. Importing the same directory twice gives
 * the same digest.
 */
public final class HfImport {
    static { PolicyRuntime.configureOffline(); }

    /** The files of a Hugging Face directory carried into the checkpoint (those present). */
    static final List<String> CARRIED = List.of("config.json", "generation_config.json", "special_tokens_map.json", "chat_template.jinja",
            "chat_template.json");
    /** Records the stored dtype of the imported weights, the default dtype of an export. */
    static final String IMPORT_FILE = Checkpoints.HF_DIR + "import.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfImport() {}

    /**
     * What was imported.
     *
     * @param sourceDtypes the dtypes the weights were stored in (F32, BF16, F16)
     */
    public record Result(CheckpointInfo checkpoint, ModelConfig config, TreeSet<String> sourceDtypes) {}

    /** Imports {@code hfDir} into the checkpoint directory {@code out} (must not exist or be empty). */
    public static Result importModel(Path hfDir, Path out) {
        ModelConfig config;
        try {
            config = HfConfigs.read(Files.readString(hfDir.resolve("config.json")), HfTokenizer.KIND);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(hfDir + " has no config.json: not a Hugging Face model directory");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + hfDir.resolve("config.json") + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(hfDir + ": " + e.getMessage(), e);
        }
        try (HfTokenizer tokenizer = tokenizer(hfDir); HfWeightFiles files = HfWeightFiles.open(hfDir)) {
            if (config.vocabSize() < tokenizer.vocabSize()) {
                throw new CheckpointException(hfDir + ": config.json vocab_size " + config.vocabSize() + " is smaller than tokenizer.json's " + tokenizer.vocabSize());
            }
            WeightPlan plan = config.arch() instanceof Gpt2Config ? Gpt2Weights.plan(files.shapes(), config) : LlamaWeights.plan(files.shapes(), config);
            plan.checkTied(files, "lm_head.weight differs from the token embedding, but config.json ties them (tie_word_embeddings)");
            TensorSource canonical = plan.over(files);
            Parameters.check(config, CausalLm.parameterShapes(config), canonical.shapes());
            TreeSet<String> dtypes = files.dtypes();
            String layout = config.arch() instanceof Gpt2Config ? GptModel.LAYOUT : LlamaModel.LAYOUT;
            CheckpointInfo info = Checkpoints.write(out, dir -> {
                Files.writeString(dir.resolve(Checkpoints.CONFIG), config.toJson());
                Safetensors.write(dir.resolve(Checkpoints.WEIGHTS), Safetensors.F32, CausalLm.parameterShapes(config), Checkpoints.weightsMetadata(layout),
                        name -> canonical.dtype(name).equals(Safetensors.F32) ? canonical.raw(name) : Safetensors.encode(canonical.floats(name), Safetensors.F32));
                tokenizer.writeTo(dir);
                Files.createDirectories(dir.resolve(Checkpoints.HF_DIR));
                for (String f : CARRIED) {
                    if (Files.isRegularFile(hfDir.resolve(f))) Files.copy(hfDir.resolve(f), dir.resolve(Checkpoints.HF_DIR + f));
                }
                String stored = dtypes.size() == 1 ? dtypes.first() : Safetensors.F32;
                Files.write(dir.resolve(IMPORT_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.createObjectNode().put("dtype", stored)));
            });
            return new Result(info, config, dtypes);
        } catch (IOException e) {
            throw new CheckpointException("cannot import " + hfDir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(hfDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * tokenizer.json with tokenizer_config.json's eos token; failing that, config.json's eos_token_id,
     * then the usual names.
     */
    private static HfTokenizer tokenizer(Path hfDir) throws IOException {
        Path tj = hfDir.resolve(HfTokenizer.FILE_NAME);
        if (!Files.isRegularFile(tj)) {
            throw new IllegalArgumentException(hfDir + " has no tokenizer.json (only fast, tokenizers-library tokenizers are read; "
                    + "transformers writes one with AutoTokenizer.from_pretrained(dir).save_pretrained(dir))");
        }
        byte[] bytes = Files.readAllBytes(tj);
        Path tc = hfDir.resolve(HfTokenizer.CONFIG_FILE_NAME);
        byte[] side = Files.isRegularFile(tc) ? Files.readAllBytes(tc) : null;
        String eos = side == null ? null : HfTokenizer.eosTokenFrom(side);
        if (eos == null) eos = eosFromConfig(hfDir, bytes);
        return HfTokenizer.fromBytes(bytes, side, eos, tj.toString());
    }

    private static String eosFromConfig(Path hfDir, byte[] tokenizerJson) throws IOException {
        JsonNode c = HfConfigs.parse(Files.readString(hfDir.resolve("config.json")), "config.json");
        JsonNode id = c.path("eos_token_id");
        if (id.isArray()) id = id.path(0);
        if (!id.canConvertToInt()) return null;
        return HfTokenizer.tokenName(tokenizerJson, id.asInt());
    }

    /** The stored dtype an imported checkpoint recorded, or F32 (a model trained here). */
    static String sourceDtype(Map<String, byte[]> carried) {
        byte[] b = carried.get(IMPORT_FILE);
        if (b == null) return Safetensors.F32;
        return HfConfigs.parse(new String(b, StandardCharsets.UTF_8), IMPORT_FILE).path("dtype").asText(Safetensors.F32);
    }
}
