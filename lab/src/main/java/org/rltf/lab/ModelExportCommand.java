package org.rltf.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.rltf.policy.CheckpointException;
import org.rltf.policy.HfExport;
import org.rltf.policy.PolicyRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rltf model export CKPT_DIR --format hf --out DIR}. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a checkpoint as a Hugging Face model directory that transformers' AutoModelForCausalLM and "
                + "AutoTokenizer.from_pretrained load with the same logits: an imported model as its own architecture, a model "
                + "trained here from scratch as gpt2 (its byte tokenizer as a tokenizer.json that encodes identically).")
public final class ModelExportCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Parameters(index = "0", paramLabel = "CKPT_DIR", description = "The checkpoint directory.")
    Path dir;

    @Option(names = "--format", defaultValue = "hf", description = "Output format; only hf (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", required = true, description = "Directory to write (must not exist or be empty).")
    Path out;

    @Option(names = "--dtype", description = "float32, bfloat16 or float16 (default: the dtype the model was imported in; float32 for a model trained here).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "5000000000", description = "Bytes per weights file before sharding with an index (default: ${DEFAULT-VALUE}).")
    long maxShardBytes;

    @Override
    public Integer call() {
        if (!format.equals("hf")) {
            System.err.println("rltf model export: --format " + format + " is not supported (hf)");
            return 2;
        }
        HfExport.Result r;
        try {
            r = HfExport.export(dir, out, dtype, maxShardBytes);
        } catch (CheckpointException | IllegalArgumentException e) {
            System.err.println("rltf model export: " + e.getMessage());
            return 2;
        }
        System.out.printf("exported %s (%s) to %s: %s%n", r.config().architecture(), r.dtype(), r.dir(), String.join(", ", r.weightFiles()));
        System.out.printf("load it with: AutoModelForCausalLM.from_pretrained(\"%s\"); AutoTokenizer.from_pretrained(\"%s\")%n", r.dir(), r.dir());
        return 0;
    }
}
