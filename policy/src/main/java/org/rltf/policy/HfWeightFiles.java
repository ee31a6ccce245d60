package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face model directory as one {@link TensorSource}: {@code model.safetensors},
 * or the shards named by {@code model.safetensors.index.json}'s weight_map, each memory-mapped.
 * PyTorch pickles ({@code pytorch_model.bin}) are refused: reading them means running Python's unpickler.
 */
final class HfWeightFiles implements TensorSource, AutoCloseable {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

    private HfWeightFiles(List<SafetensorsFile> files) {
        this.files = files;
        for (SafetensorsFile f : files) {
            for (Map.Entry<String, long[]> e : f.shapes().entrySet()) {
                if (byTensor.put(e.getKey(), f) != null) throw new IllegalArgumentException("tensor " + e.getKey() + " is in more than one shard");
                shapes.put(e.getKey(), e.getValue());
            }
        }
    }

    static HfWeightFiles open(Path dir) throws IOException {
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            if (Files.isRegularFile(dir.resolve(INDEX))) {
                JsonNode index = HfConfigs.parse(Files.readString(dir.resolve(INDEX)), dir.resolve(INDEX).toString());
                JsonNode map = index.path("weight_map");
                if (!map.isObject() || map.isEmpty()) throw new IllegalArgumentException(dir.resolve(INDEX) + " has no weight_map");
                TreeSet<String> shards = new TreeSet<>();
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) shards.add(it.next().asText());
                for (String shard : shards) {
                    Path p = dir.resolve(shard).normalize();
                    if (!p.getParent().equals(dir.normalize())) throw new IllegalArgumentException(INDEX + " names a shard outside the directory: " + shard);
                    files.add(SafetensorsFile.open(p));
                }
                HfWeightFiles w = new HfWeightFiles(files);
                for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    SafetensorsFile f = w.byTensor.get(e.getKey());
                    if (f == null || !f.file().getFileName().toString().equals(e.getValue().asText())) {
                        throw new IllegalArgumentException(INDEX + " puts " + e.getKey() + " in " + e.getValue().asText() + " but it is not there");
                    }
                }
                return w;
            }
            if (Files.isRegularFile(dir.resolve(SINGLE))) {
                files.add(SafetensorsFile.open(dir.resolve(SINGLE)));
                return new HfWeightFiles(files);
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files) f.close();
            throw e;
        }
        if (Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
            throw new IllegalArgumentException(dir + " has PyTorch pickle weights (pytorch_model.bin), which are not read here; convert them to "
                    + "safetensors (transformers: model.save_pretrained(dir, safe_serialization=True))");
        }
        throw new IllegalArgumentException(dir + " has neither " + SINGLE + " nor " + INDEX);
    }

    /** The stored dtypes, e.g. [BF16]. */
    TreeSet<String> dtypes() {
        TreeSet<String> out = new TreeSet<>();
        for (String n : shapes.keySet()) out.add(dtype(n));
        return out;
    }

    @Override
    public LinkedHashMap<String, long[]> shapes() { return shapes; }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new IllegalArgumentException("no tensor " + name + " in the model's safetensors files");
        return f;
    }

    @Override
    public String dtype(String name) { return file(name).dtype(name); }

    @Override
    public ByteBuffer raw(String name) { return file(name).raw(name); }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile f : files) f.close();
    }
}
