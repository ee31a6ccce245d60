package org.rltf.lab;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.rltf.policy.CheckpointException;
import org.rltf.policy.LlamaConfig;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.ModelInfo;
import org.rltf.policy.PolicyRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rltf model info CKPT_DIR}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a checkpoint directory (verified against its manifest, weights not loaded): architecture, "
                + "parameter count, dtype, tokenizer, digest, and the memory a learner and a generator need for it.")
public final class ModelInfoCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Parameters(index = "0", paramLabel = "CKPT_DIR", description = "The checkpoint directory.")
    Path dir;

    @Override
    public Integer call() {
        ModelInfo i;
        try {
            i = ModelInfo.of(dir);
        } catch (CheckpointException | IllegalArgumentException e) {
            System.err.println("rltf model info: " + e.getMessage());
            return 2;
        }
        ModelConfig c = i.config();
        String arch = String.format(Locale.ROOT, "%s: %d layers, width %d, %d heads of %d", c.architecture(), c.layers(), c.width(), c.heads(), c.headDim());
        if (c.arch() instanceof LlamaConfig l) {
            arch += String.format(Locale.ROOT, ", %d key/value heads, SwiGLU %d, rope theta %s%s%s, %s head", l.kvHeads(), l.intermediateSize(),
                    l.ropeTheta(), l.ropeScaling() == null ? "" : ", rope scaling " + l.ropeScaling().type() + " x" + l.ropeScaling().factor(),
                    l.qkvBias() ? ", q/k/v biases" : "", l.tiedHead() ? "tied" : "untied");
        }
        System.out.printf("checkpoint    %s%n", i.dir());
        System.out.printf("architecture  %s; context %d, vocabulary %,d%n", arch, c.context(), c.vocabSize());
        System.out.printf("parameters    %,d%n", i.parameters());
        System.out.printf("dtype         %s%s%n", i.storedDtype(), i.sourceDtype() == null ? " (trained here)" : " (imported from " + i.sourceDtype() + ", the default export dtype)");
        System.out.printf("tokenizer     %s%n", i.tokenizer());
        System.out.printf("sha256        %s (%,d bytes)%n", i.sha256(), i.sizeBytes());
        System.out.printf("memory        learner %s (%d B/parameter: weights, gradients, AdamW moments) + activations; "
                        + "generator %s (%d B/parameter) + KV cache %,d B per token per row%n",
                gib(i.learnerBytes()), ModelInfo.LEARNER_BYTES_PER_PARAM, gib(i.generatorBytes()), ModelInfo.GENERATOR_BYTES_PER_PARAM,
                i.kvCacheBytesPerToken());
        return 0;
    }

    private static String gib(long bytes) {
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
    }
}
