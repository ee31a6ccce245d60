package org.rltf.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.rltf.data.Datasets;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.Sft;
import org.rltf.policy.SftExample;
import org.rltf.policy.Tokenizer;
import org.rltf.policy.TrainerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rltf sft}: supervised warm-up on a dataset's reference solutions; writes a checkpoint. */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised warm-up: train a fresh (or given) policy on the reference solutions of a dataset's problems "
                + "and write a checkpoint directory. Deterministic on the CPU for a given seed and thread count.")
public final class SftCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Option(names = "--problems", required = true, description = "Dataset: humaneval, mbpp, apps:DIR or apps-jsonl:FILE.")
    String problems;

    @Option(names = "--split", defaultValue = "train", description = "Keep problems of this split (train, test, validation, prompt) "
            + "or 'all' (default: ${DEFAULT-VALUE}; training on test problems leaks the evaluation set).")
    String split;

    @Option(names = "--preset", defaultValue = "tiny", description = "Model size for a fresh policy: tiny, small, base (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--tokenizer", description = "A Hugging Face tokenizer.json for a fresh policy (default: byte-level).")
    Path tokenizer;

    @Option(names = "--init", description = "Start from this checkpoint directory instead of a fresh policy.")
    Path init;

    @Option(names = "--steps", defaultValue = "200", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Examples per optimizer step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--micro-batch", description = "Examples per forward/backward pass; gradients are accumulated (default: --batch).")
    Integer microBatch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--warmup", description = "Linear warm-up steps (default: steps/10, at most 100).")
    Integer warmup;

    @Option(names = "--grad-clip", defaultValue = "1.0", description = "Global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialisation and example order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: DJL's choice; fix it for reproducible digests).")
    Integer threads;

    @Option(names = "--log-every", defaultValue = "10", description = "Log the loss every N steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() {
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        List<Problem> loaded = Datasets.load(problems);
        if (!split.equalsIgnoreCase("all")) loaded = Datasets.split(loaded, split.toLowerCase(Locale.ROOT));
        List<SftExample> examples = new ArrayList<>();
        for (Problem p : loaded) {
            for (ReferenceSolution s : p.getReferenceSolutions()) examples.add(new SftExample(s.getId(), p.getPrompt(), s.getCode()));
        }
        if (examples.isEmpty()) {
            System.err.println("no reference solutions in " + problems + " (split " + split + "): nothing to train on");
            return 2;
        }
        int warm = warmup != null ? warmup : Math.min(100, steps / 10);
        TrainerConfig tc = new TrainerConfig(lr, weightDecay, 0.9, 0.95, 1e-8, warm, gradClip, seed);
        Sft.Options options = new Sft.Options(steps, batch, microBatch != null ? microBatch : batch, tc, seed, logEvery);
        try (Policy policy = init != null ? Policy.load(init) : fresh()) {
            System.out.printf("sft: %d examples from %d problems (%s, split %s), %s, %,d parameters, device %s%n", examples.size(), loaded.size(),
                    problems, split, policy.config(), policy.config().parameterCount(), policy.device());
            Sft.Result r = Sft.run(examples, policy, options);
            CheckpointInfo info = policy.save(out);
            System.out.printf("sft: %d steps, loss %.4f -> %.4f, %.0f completion tokens/s%n", r.steps(), r.losses().get(0), r.finalLoss(),
                    r.tokensPerSecond());
            System.out.printf("checkpoint %s sha256 %s (%,d bytes)%n", info.dir(), info.sha256(), info.sizeBytes());
        }
        return 0;
    }

    private Policy fresh() {
        Tokenizer tok = tokenizer == null ? Tokenizer.bytes() : Tokenizer.huggingFace(tokenizer);
        return Policy.create(ModelConfig.preset(preset, tok), tok, seed);
    }
}
