package org.rltf.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.rltf.policy.CheckpointException;
import org.rltf.policy.HfImport;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.PolicyRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf model import --from HF_DIR --out CKPT_DIR}. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a Hugging Face model directory (config.json, tokenizer.json, model.safetensors or shards with "
                + "model.safetensors.index.json; float32, bfloat16 or float16) of model_type gpt2, llama or qwen2 as a checkpoint "
                + "directory that sft, the learner, the generator and eval start from. Settings the model here does not compute "
                + "are refused, naming the config.json key.")
public final class ModelImportCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Option(names = "--from", required = true, description = "The Hugging Face model directory (a local copy: nothing is downloaded).")
    Path from;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() {
        HfImport.Result r;
        try {
            r = HfImport.importModel(from, out);
        } catch (CheckpointException | IllegalArgumentException e) {
            System.err.println("rltf model import: " + e.getMessage());
            return 2;
        }
        ModelConfig c = r.config();
        System.out.printf("imported %s from %s: %,d parameters (%s weights, stored here as float32)%n", c.architecture(), from, c.parameterCount(),
                String.join("+", r.sourceDtypes()));
        System.out.printf("checkpoint %s sha256 %s (%,d bytes)%n", r.checkpoint().dir(), r.checkpoint().sha256(), r.checkpoint().sizeBytes());
        System.out.printf("start from it: rltf sft --init %s ...; learner key init.checkpoint=%s; rltf eval --checkpoint %s%n", out, out, out);
        return 0;
    }
}
