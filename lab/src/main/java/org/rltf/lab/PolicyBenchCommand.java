package org.rltf.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyBench;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf bench policy}: training and sampling throughput of the DJL policy next to the same
 * model in PyTorch (Python), same threads and shapes, one run each, ratio printed.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Training tokens/s and KV-cache sampling tokens/s (batch 1 and 32) of the DJL policy, next to the same model "
                + "in PyTorch Python (Debian's python3-torch) with the same threads and shapes; prints DJL/PyTorch ratios.")
public final class PolicyBenchCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Option(names = "--presets", split = ",", defaultValue = "tiny,small", description = "Model presets (default: ${DEFAULT-VALUE}).")
    List<String> presets;

    @Option(names = "--threads", description = "Intra-op threads for both sides (default: available processors).")
    Integer threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch for the reference (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--train-batch", defaultValue = "8", description = "Rows per training step (default: ${DEFAULT-VALUE}).")
    int trainBatch;

    @Option(names = "--train-len", defaultValue = "256", description = "Tokens per training row; the loss is on the second half (default: ${DEFAULT-VALUE}).")
    int trainLen;

    @Option(names = "--train-steps", defaultValue = "10", description = "Timed training steps (default: ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--warmup-steps", defaultValue = "2", description = "Untimed training steps first (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--prompt-len", defaultValue = "64", description = "Prompt tokens per sampled row (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--new-tokens", defaultValue = "128", description = "Tokens generated per row (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--sample-batches", split = ",", defaultValue = "1,32", description = "Sampling batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> sampleBatches;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs of each side, interleaved; the best of each is reported "
            + "(default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for weights and data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (repeats < 1 || trainSteps < 1 || warmupSteps < 0 || newTokens < 1 || promptLen < 1 || trainLen < 2 || trainBatch < 1) {
            System.err.println("--repeats, --train-steps, --new-tokens, --prompt-len, --train-batch must be >= 1, --train-len >= 2, --warmup-steps >= 0");
            return 2;
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        PolicyRuntime.engine();
        JniUtils.setNumThreads(n); // in case the engine was started before the property was set
        PolicyBench.Shapes shapes = new PolicyBench.Shapes(trainBatch, trainLen, trainSteps, warmupSteps, promptLen, newTokens, seed);
        Path script = extractScript();
        String torchVersion = pythonTorchVersion();
        System.out.printf("rltf bench policy: %d threads; DJL %s with libtorch %s (CPU); PyTorch reference: %s%n", n,
                ai.djl.engine.Engine.getDjlVersion(), PolicyRuntime.engine().getVersion(),
                torchVersion == null ? "not available (" + python + " has no torch: apt-get install -y python3-torch libopenblas0-pthread)"
                        : python + " torch " + torchVersion);
        System.out.printf("shapes: train %d x %d tokens (loss on the last %d of each row), %d timed steps after %d warm-up; "
                + "sample %d new tokens after %d-token prompts, temperature 1, top-p 0.95, eos suppressed; best of %d interleaved runs%n",
                trainBatch, trainLen, trainLen - trainLen / 2, trainSteps, warmupSteps, newTokens, promptLen, repeats);
        System.out.printf("%-6s %-10s %-24s %12s %12s %12s%n", "preset", "params", "metric", "DJL", "PyTorch", "DJL/PyTorch");
        for (String preset : presets) {
            ModelConfig config = ModelConfig.preset(preset, Tokenizer.bytes());
            Map<String, Double> djl = new LinkedHashMap<>();
            Map<String, Double> ref = new LinkedHashMap<>();
            for (int r = 0; r < repeats; r++) { // interleaved, best of each: the machine may be shared
                try (Policy policy = Policy.create(config, Tokenizer.bytes(), seed, Device.cpu())) {
                    best(djl, "train tokens/s", PolicyBench.trainTokensPerSecond(policy, shapes));
                    for (int b : sampleBatches) best(djl, "sample b" + b + " tokens/s", PolicyBench.sampleTokensPerSecond(policy, shapes, b));
                }
                if (torchVersion != null) runReference(script, config, n).forEach((k, v) -> best(ref, k, v));
            }
            boolean first = true;
            for (Map.Entry<String, Double> e : djl.entrySet()) {
                Double r = ref.get(e.getKey());
                System.out.printf("%-6s %-10s %-24s %12.0f %12s %12s%n", first ? preset : "",
                        first ? String.format("%.1fM", config.parameterCount() / 1e6) : "", e.getKey(), e.getValue(),
                        r == null ? "-" : String.format("%.0f", r), r == null ? "-" : String.format("%.2fx", e.getValue() / r));
                first = false;
            }
        }
        System.out.println("ratio > 1: DJL faster. Targets: training >= 1/1.3 (within 1.3x of PyTorch), batched sampling > 1.");
        return 0;
    }

    private static void best(Map<String, Double> into, String key, double value) {
        into.merge(key, value, Math::max);
    }

    private Map<String, Double> runReference(Path script, ModelConfig c, int n) throws IOException, InterruptedException {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("layers", c.layers());
        args.put("width", c.width());
        args.put("heads", c.heads());
        args.put("context", c.context());
        args.put("vocab", c.vocabSize());
        args.put("threads", n);
        args.put("train_batch", trainBatch);
        args.put("train_len", trainLen);
        args.put("train_steps", trainSteps);
        args.put("warmup_steps", warmupSteps);
        args.put("sample_batches", sampleBatches);
        args.put("prompt_len", promptLen);
        args.put("new_tokens", newTokens);
        args.put("seed", seed);
        ObjectMapper json = new ObjectMapper();
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), json.writeValueAsString(args)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(n));
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(n));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            System.out.println("PyTorch reference failed:\n" + output);
            return Map.of();
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("{}");
        JsonNode r = json.readTree(last);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("train tokens/s", r.path("train_tokens_per_s").asDouble());
        for (int b : sampleBatches) out.put("sample b" + b + " tokens/s", r.path("sample_tokens_per_s_b" + b).asDouble());
        return out;
    }

    private String pythonTorchVersion() {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private static Path extractScript() throws IOException {
        Path file = Files.createTempFile("rltf-policy-bench", ".py");
        file.toFile().deleteOnExit();
        try (InputStream in = PolicyBenchCommand.class.getResourceAsStream("/bench/policy_bench.py")) {
            if (in == null) throw new IOException("bench/policy_bench.py is missing from the jar");
            Files.write(file, in.readAllBytes());
        }
        return file;
    }
}
