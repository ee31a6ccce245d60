package org.rltf.lab.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import me.tongfei.progressbar.ProgressBar;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.policy.CheckpointInfo;
import org.rltf.policy.Checkpoints;
import org.rltf.policy.ModelConfig;
import org.rltf.policy.Policy;
import org.rltf.policy.Sft;
import org.rltf.policy.SftExample;
import org.rltf.policy.Tokenizer;
import org.rltf.policy.TrainerConfig;

/**
 * The supervised warm-up of a lab run, cached: a fresh {@code preset} model trained on the reference solutions of
 * the training problems that have them. The checkpoint is kept under {@code <cache>/<digest>}, where the digest is a
 * sha256 of everything that determines the weights (the examples, the model shape, the optimizer settings, the seed,
 * the thread count, the format version), so a second run with the same settings reuses it, and any change trains a
 * new one. On the CPU a warm-up is deterministic for its digest, so the cache never changes a result.
 */
public final class Warmup {
    /** Bumped when the warm-up's code changes what it computes. */
    static final String FORMAT = "rltf-warmup-2";

    /** What a warm-up is: its examples and how it trains on them. */
    public record Spec(List<SftExample> examples, String preset, int steps, int batch, double lr, double weightDecay,
                       long seed, int threads) {
        public String digest() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                update(md, FORMAT, preset, Integer.toString(steps), Integer.toString(batch), Double.toString(lr),
                        Double.toString(weightDecay), Long.toString(seed), Integer.toString(threads));
                for (SftExample e : examples) update(md, e.id(), e.prompt(), e.completion());
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void update(MessageDigest md, String... parts) {
            for (String p : parts) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
                md.update((byte) ':');
                md.update(b);
            }
        }
    }

    /** The result: the checkpoint, whether it came from the cache, and how long it took when it was trained. */
    public record Result(Path checkpoint, boolean cached, double trainSeconds, double finalLoss) {}

    private Warmup() {
    }

    /** The supervised examples of {@code problems}: every reference solution after its prompt, in id order. */
    public static List<SftExample> examples(List<Problem> problems) {
        List<SftExample> out = new ArrayList<>();
        for (Problem p : problems)
            for (ReferenceSolution r : p.getReferenceSolutions()) out.add(new SftExample(r.getId(), p.getPrompt(), r.getCode()));
        out.sort(Comparator.comparing(SftExample::id));
        return out;
    }

    /** The cached checkpoint of {@code spec} under {@code cache}, trained first if there is none. */
    public static Result obtain(Spec spec, Path cache, LabConsole console) {
        if (spec.examples().isEmpty())
            throw new IllegalArgumentException("no training problem has a reference solution: nothing to warm up on "
                    + "(lower --tests-only-share)");
        String digest = spec.digest();
        Path dir = cache.resolve(digest.substring(0, 16));
        Path meta = dir.resolve("warmup.json");
        ObjectMapper json = new ObjectMapper();
        if (Files.exists(meta)) {
            try {
                ObjectNode m = (ObjectNode) json.readTree(meta.toFile());
                if (m.path("digest").asText().equals(digest)) {
                    Checkpoints.verify(dir.resolve("checkpoint"));
                    return new Result(dir.resolve("checkpoint"), true, m.path("train_seconds").asDouble(),
                            m.path("final_loss").asDouble());
                }
            } catch (IOException | RuntimeException e) {
                console.line("warm-up cache %s is unusable (%s); training it again", dir, e.getMessage());
            }
        }
        deleteRecursively(dir);
        Tokenizer tok = Tokenizer.bytes();
        int warm = Math.min(100, spec.steps() / 10);
        // nanoGPT's schedule: linear warm-up, then a cosine to a tenth of the peak at the last step.
        TrainerConfig tc = new TrainerConfig(spec.lr(), spec.weightDecay(), 0.9, 0.95, 1e-8, warm, 1.0, spec.seed(),
                spec.steps(), spec.lr() / 10);
        Sft.Options options = new Sft.Options(spec.steps(), spec.batch(), spec.batch(), tc, spec.seed(), 0);
        long t0 = System.nanoTime();
        Sft.Result r;
        try (Policy policy = Policy.create(ModelConfig.preset(spec.preset(), tok), tok, spec.seed());
             ProgressBar bar = console.bar("warm-up", spec.steps(), "steps")) {
            r = Sft.run(spec.examples(), policy, options, (step, loss) -> {
                bar.stepTo(step);
                bar.setExtraMessage(String.format(" loss %.3f", loss));
            });
            CheckpointInfo info = policy.save(dir.resolve("checkpoint"));
            double seconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode m = json.createObjectNode();
            m.put("digest", digest);
            m.put("format", FORMAT);
            m.put("examples", spec.examples().size());
            m.put("preset", spec.preset());
            m.put("steps", spec.steps());
            m.put("batch", spec.batch());
            m.put("lr", spec.lr());
            m.put("seed", spec.seed());
            m.put("threads", spec.threads());
            m.put("train_seconds", seconds);
            m.put("final_loss", r.finalLoss());
            m.put("checkpoint_sha256", info.sha256());
            json.writerWithDefaultPrettyPrinter().writeValue(meta.toFile(), m);
            return new Result(dir.resolve("checkpoint"), false, seconds, r.finalLoss());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the warm-up cache " + dir, e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + dir, e);
        }
    }
}
