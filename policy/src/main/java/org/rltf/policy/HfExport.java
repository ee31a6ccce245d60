package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A checkpoint directory to a Hugging Face model directory that
 * {@code transformers.AutoModelForCausalLM.from_pretrained} and {@code AutoTokenizer.from_pretrained}
 * load: config.json ({@link HfConfigs#write}, over the imported model's own when there is one),
 * safetensors weights under transformers' names and layouts (GPT-2's Conv1D (in, out) matrices; a
 * tied head saved once, as save_pretrained does), sharded with an index past {@code maxShardBytes},
 * tokenizer.json and tokenizer_config.json, and the carried generation_config.json and friends.
 * Weights go out in the dtype the model was imported in unless another is asked for, so an imported,
 * untrained model exports to the very tensors it was imported from.
 */
public final class HfExport {
    static { PolicyRuntime.configureOffline(); }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** transformers 4's default max_shard_size. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private HfExport() {}

    /** What was written: the directory, the dtype, and the weight files. */
    public record Result(Path dir, String dtype, List<String> weightFiles, ModelConfig config) {}

    /**
     * @param dtype         F32, BF16 or F16 (also float32, bfloat16, float16); null = the dtype the model was imported in (F32 for a model trained here)
     * @param maxShardBytes weights past this size are split into shards with a model.safetensors.index.json
     */
    public static Result export(Path checkpointDir, Path out, String dtype, long maxShardBytes) {
        try (Checkpoints.Verified v = Checkpoints.readVerified(checkpointDir, null)) {
            ModelConfig config = Policy.parseConfig(v);
            Map<String, byte[]> carried = Checkpoints.carried(v);
            String dt = dtype == null ? HfImport.sourceDtype(carried) : safetensorsDtype(dtype);
            requireEmpty(out);
            Files.createDirectories(out);
            TensorSource weights = hfNames(config).over(v.tensors(Checkpoints.WEIGHTS));
            List<String> files = writeWeights(out, weights, dt, maxShardBytes);
            byte[] base = carried.get(Checkpoints.HF_DIR + "config.json");
            Tokenizer tokenizer = Policy.tokenizerOf(v, config);
            try {
                ObjectNode cfg = HfConfigs.write(config, base == null ? null : HfConfigs.parse(new String(base, StandardCharsets.UTF_8), "hf/config.json"),
                        tokenizer.eosId(), torchDtype(dt));
                Files.write(out.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
                writeTokenizer(out, tokenizer, config);
            } finally {
                tokenizer.close();
            }
            for (Map.Entry<String, byte[]> e : carried.entrySet()) {
                String name = e.getKey().substring(Checkpoints.HF_DIR.length());
                if (HfImport.CARRIED.contains(name) && !name.equals("config.json")) Files.write(out.resolve(name), e.getValue());
            }
            if (!carried.containsKey(Checkpoints.HF_DIR + "generation_config.json")) {
                ObjectNode g = JSON.createObjectNode().put("bos_token_id", tokenizer.eosId()).put("eos_token_id", tokenizer.eosId());
                Files.write(out.resolve("generation_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(g));
            }
            return new Result(out, dt, files, config);
        } catch (IOException e) {
            throw new CheckpointException("cannot export " + checkpointDir + " to " + out + ": " + e.getMessage(), e);
        }
    }

    /** transformers' names for the canonical ones: GPT-2's Conv1D matrices transposed back, everything else as it is. */
    private static WeightPlan hfNames(ModelConfig config) {
        LinkedHashMap<String, WeightPlan.Ref> plan = new LinkedHashMap<>();
        for (String name : CausalLm.parameterShapes(config).keySet()) {
            plan.put(name, new WeightPlan.Ref(name, config.arch() instanceof Gpt2Config && Gpt2Weights.isConv1d(name)));
        }
        return new WeightPlan(plan, null, null);
    }

    private static List<String> writeWeights(Path out, TensorSource weights, String dtype, long maxShardBytes) throws IOException {
        int width = Safetensors.width(dtype);
        List<LinkedHashMap<String, long[]>> shards = new ArrayList<>();
        LinkedHashMap<String, long[]> current = new LinkedHashMap<>();
        long bytes = 0;
        long total = 0;
        for (Map.Entry<String, long[]> e : weights.shapes().entrySet()) {
            long size = width * TensorSource.count(e.getValue());
            if (!current.isEmpty() && bytes + size > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                bytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            bytes += size;
            total += size;
        }
        shards.add(current);
        Safetensors.Data data = name -> weights.dtype(name).equals(dtype) ? weights.raw(name) : Safetensors.encode(weights.floats(name), dtype);
        Map<String, String> meta = Map.of("format", "pt");
        if (shards.size() == 1) {
            Safetensors.write(out.resolve(HfWeightFiles.SINGLE), dtype, shards.get(0), meta, data);
            return List.of(HfWeightFiles.SINGLE);
        }
        List<String> names = new ArrayList<>();
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Safetensors.write(out.resolve(file), dtype, shards.get(i), meta, data);
            for (String t : shards.get(i).keySet()) map.put(t, file);
            names.add(file);
        }
        Files.write(out.resolve(HfWeightFiles.INDEX), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        names.add(HfWeightFiles.INDEX);
        return names;
    }

    /**
     * tokenizer.json and a tokenizer_config.json: the imported model's own, or one naming eos and
     * PreTrainedTokenizerFast (which loads any tokenizer.json) for a tokenizer without one.
     */
    private static void writeTokenizer(Path out, Tokenizer tokenizer, ModelConfig config) throws IOException {
        byte[] tj;
        JsonNode tc;
        if (tokenizer instanceof HfTokenizer hf) {
            tj = hf.fileBytes();
            tc = HfConfigs.parse(new String(hf.configBytes(), StandardCharsets.UTF_8), "tokenizer_config.json");
        } else {
            tj = ByteTokenizer.huggingFaceJson().getBytes(StandardCharsets.UTF_8);
            tc = JSON.createObjectNode().put("eos_token", ByteTokenizer.EOS_NAME).put("bos_token", ByteTokenizer.EOS_NAME);
        }
        ObjectNode c = (ObjectNode) tc;
        Files.write(out.resolve(HfTokenizer.FILE_NAME), tj);
        if (c.has("tokenizer_class") && c.has("model_max_length") && tokenizer instanceof HfTokenizer hf) { // the model's own, as it was
            Files.write(out.resolve(HfTokenizer.CONFIG_FILE_NAME), hf.configBytes());
            return;
        }
        if (!c.has("tokenizer_class")) c.put("tokenizer_class", "PreTrainedTokenizerFast");
        if (!c.has("model_max_length")) c.put("model_max_length", config.context());
        Files.write(out.resolve(HfTokenizer.CONFIG_FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c));
    }

    private static void requireEmpty(Path out) throws IOException {
        if (!Files.exists(out)) return;
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) throw new CheckpointException("export directory " + out + " already exists and is not empty");
        }
    }

    /** F32, BF16, F16 from either spelling (float32, bf16, fp16, ...). */
    static String safetensorsDtype(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "f32": case "fp32": case "float32": return Safetensors.F32;
            case "bf16": case "bfloat16": return Safetensors.BF16;
            case "f16": case "fp16": case "float16": return Safetensors.F16;
            default: throw new IllegalArgumentException("dtype '" + name + "' is not one of float32, bfloat16, float16");
        }
    }

    static String torchDtype(String safetensorsDtype) {
        return switch (safetensorsDtype) {
            case Safetensors.BF16 -> "bfloat16";
            case Safetensors.F16 -> "float16";
            default -> "float32";
        };
    }
}
