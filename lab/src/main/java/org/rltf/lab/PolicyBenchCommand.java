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
import org.rltf.policy.LlamaConfig;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.PolicyBench;
import org.rltf.policy.PolicyRuntime;
import org.rltf.policy.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rltf bench policy}: training and sampling throughput of the DJL policy next to the same
 * model in PyTorch (Python), same threads and shapes, one run each, ratio printed. The reference's
 * torch version, BLAS and CPU kernels are printed with it: against Debian's torch 1.13 (OpenBLAS) the
 * ratios were 2.4-5.6x in our favour, against PyTorch 2.x with MKL about 1x, so a ratio means nothing
 * without them. Without --python the first of python3 and /usr/bin/python3 with torch 2.x is used.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Training tokens/s and KV-cache sampling tokens/s of the DJL policy next to the same model in PyTorch "
                + "(the GPT presets hand-written; " + PolicyBench.QWEN_05B + ", Qwen2.5-Coder-0.5B's shape with random weights, as "
                + "transformers' Qwen2ForCausalLM sampled with generate()), same threads and shapes; prints the reference's torch "
                + "version, BLAS and DJL/PyTorch ratios.")
public final class PolicyBenchCommand implements Callable<Integer> {
    static { PolicyRuntime.configureOffline(); }

    @Option(names = "--presets", split = ",", defaultValue = "tiny,small," + PolicyBench.QWEN_05B,
            description = "Model presets: tiny, small, base, " + PolicyBench.QWEN_05B + " (default: ${DEFAULT-VALUE}).")
    List<String> presets;

    @Option(names = "--layers", description = "Fewer blocks for a preset, same width and heads, e.g. " + PolicyBench.QWEN_05B + "=4 "
            + "(reported in the table).")
    Map<String, Integer> layers = new LinkedHashMap<>();

    @Option(names = "--threads", description = "Intra-op threads for both sides (default: available processors).")
    Integer threads;

    @Option(names = "--python", description = "Python with torch for the reference (default: the first of python3, /usr/bin/python3 "
            + "with torch 2.x, else with any torch).")
    String python;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (cuda needs the -Pcuda build; default: ${DEFAULT-VALUE}).")
    String device;

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

    @Option(names = "--sample-batches", split = ",", defaultValue = "1,8", description = "Sampling batch sizes (default: ${DEFAULT-VALUE}).")
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
        if (!device.equals("cpu") && !device.equals("cuda")) {
            System.err.println("--device " + device + ": expected cpu or cuda");
            return 2;
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        PolicyRuntime.engine();
        JniUtils.setNumThreads(n); // in case the engine was started before the property was set
        Device dev = Device.cpu();
        if (device.equals("cuda")) {
            if (!PolicyRuntime.engine().hasCapability(ai.djl.engine.StandardCapabilities.CUDA) || PolicyRuntime.engine().getGpuCount() == 0) {
                System.err.println("--device cuda: the PyTorch engine reports no GPU (build with -Pcuda and run on a machine with one)");
                return 2;
            }
            dev = Device.gpu();
        }
        PolicyBench.Shapes shapes = new PolicyBench.Shapes(trainBatch, trainLen, trainSteps, warmupSteps, promptLen, newTokens, seed);
        Path script = extractScript();
        Reference ref = findReference();
        System.out.printf("rltf bench policy on %s: %d threads; DJL %s with libtorch %s (DJL's %s build, MKL linked in)%n", device, n,
                ai.djl.engine.Engine.getDjlVersion(), PolicyRuntime.engine().getVersion(), device.equals("cuda") ? "CUDA" : "CPU");
        System.out.println("PyTorch reference: " + (ref == null ? "not available (no python with torch; install torch 2.x and pass --python)" : ref));
        if (ref != null && ref.version.startsWith("1.")) {
            System.out.println("  warning: torch " + ref.version + " is not PyTorch 2.x; ratios against it say little about PyTorch today");
        }
        System.out.printf("shapes: train %d x %d tokens (loss on the last %d of each row), %d timed steps after %d warm-up; "
                + "sample %d new tokens after %d-token prompts, temperature 1, top-p 0.95, eos suppressed; best of %d interleaved runs%n",
                trainBatch, trainLen, trainLen - trainLen / 2, trainSteps, warmupSteps, newTokens, promptLen, repeats);
        System.out.printf("%-22s %-8s %-20s %10s %10s %12s  %s%n", "preset", "params", "metric", "DJL", "PyTorch", "DJL/PyTorch", "peak RSS DJL / PyTorch");
        for (String preset : presets) {
            ModelConfig config = PolicyBench.preset(preset, layers.getOrDefault(preset, 0));
            Tokenizer tokenizer = PolicyBench.tokenizerFor(config);
            Map<String, Double> djl = new LinkedHashMap<>();
            Map<String, Double> py = new LinkedHashMap<>();
            long pyRss = 0;
            for (int r = 0; r < repeats; r++) { // interleaved, best of each: the machine may be shared
                try (Policy policy = Policy.create(config, tokenizer, seed, dev)) {
                    best(djl, "train tokens/s", PolicyBench.trainTokensPerSecond(policy, shapes));
                    for (int b : sampleBatches) best(djl, "sample b" + b + " tokens/s", PolicyBench.sampleTokensPerSecond(policy, shapes, b));
                }
                System.gc();
                if (ref != null) {
                    Map<String, Double> out = runReference(ref.python, script, config, n);
                    pyRss = Math.max(pyRss, out.getOrDefault("rss", 0.0).longValue());
                    out.remove("rss");
                    out.forEach((k, v) -> best(py, k, v));
                }
            }
            long djlRss = peakRss();
            boolean first = true;
            String label = preset + (layers.containsKey(preset) ? " (" + config.layers() + " layers)" : "");
            for (Map.Entry<String, Double> e : djl.entrySet()) {
                Double r = py.get(e.getKey());
                System.out.printf("%-22s %-8s %-20s %10s %10s %12s  %s%n", first ? label : "",
                        first ? String.format("%.1fM", config.parameterCount() / 1e6) : "", e.getKey(), rate(e.getValue()),
                        r == null ? "-" : rate(r), r == null ? "-" : String.format("%.2fx", e.getValue() / r),
                        first ? String.format("%.1f / %s GiB", djlRss / 1073741824.0, pyRss == 0 ? "-" : String.format("%.1f", pyRss / 1073741824.0)) : "");
                first = false;
            }
        }
        System.out.println("ratio > 1: DJL faster. Targets: training >= 1/1.3 (within 1.3x of PyTorch), batched sampling >= 1. "
                + "Peak RSS: the JVM's so far (all presets up to that row), the reference process's own.");
        return 0;
    }

    /** A reference interpreter and what it runs. */
    private record Reference(String python, String version, String blas, String cpu, String transformers) {
        @Override
        public String toString() {
            return python + ": torch " + version + ", BLAS " + blas + ", CPU kernels " + cpu + ", transformers " + (transformers == null ? "not installed" : transformers);
        }
    }

    /** --python, or the first of python3 and /usr/bin/python3 with torch 2.x (else with any torch). */
    private Reference findReference() {
        List<String> candidates = python != null ? List.of(python) : List.of("python3", "/usr/bin/python3");
        Reference any = null;
        for (String p : candidates) {
            Reference r = probe(p);
            if (r == null) continue;
            if (!r.version.startsWith("1.") || python != null) return r;
            if (any == null) any = r;
        }
        return any;
    }

    private static Reference probe(String python) {
        String code = String.join(";", "import torch, json", "cfg = torch.__config__.show()",
                "blas = next((p.split('=')[1].rstrip(',') for p in cfg.split() if p.startswith('BLAS_INFO=')), 'unknown')",
                "mkl = [l.split('Version')[1].split('-')[0].strip() for l in cfg.splitlines() if 'Math Kernel Library Version' in l]",
                "exec('try:\\n import transformers; tv = transformers.__version__\\nexcept Exception:\\n tv = None')",
                "print(json.dumps({'v': torch.__version__, 'blas': blas + (' ' + mkl[0] if mkl else ''), 'cpu': torch.backends.cpu.get_cpu_capability(), 't': tv}))");
        try {
            Process p = new ProcessBuilder(python, "-c", code).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            JsonNode j = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
            return new Reference(python, j.path("v").asText(), j.path("blas").asText(), j.path("cpu").asText(), j.path("t").isNull() ? null : j.path("t").asText());
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** VmHWM of this process: its peak resident memory. */
    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no number
        }
        return 0;
    }

    /** Tokens/s with three significant digits at least: 0.412, 7.31, 734. */
    private static String rate(double v) {
        return v >= 100 ? String.format("%.0f", v) : v >= 10 ? String.format("%.1f", v) : v >= 1 ? String.format("%.2f", v) : String.format("%.3f", v);
    }

    private static void best(Map<String, Double> into, String key, double value) {
        into.merge(key, value, Math::max);
    }

    private Map<String, Double> runReference(String python, Path script, ModelConfig c, int n) throws IOException, InterruptedException {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("arch", c.architecture());
        args.put("device", device);
        if (c.arch() instanceof LlamaConfig l) {
            args.put("kv_heads", l.kvHeads());
            args.put("intermediate", l.intermediateSize());
            args.put("rope_theta", l.ropeTheta());
            args.put("rms_eps", l.rmsEps());
            args.put("tied", l.tiedHead());
        }
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
        out.put("rss", r.path("peak_rss_bytes").asDouble());
        return out;
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
