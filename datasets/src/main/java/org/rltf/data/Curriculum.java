package org.rltf.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;

/**
 * The built-in curriculum: seeded, versioned MBPP-style Python function problems that a small model can learn from
 * scratch on a CPU, so the lab can show RL from unit-test feedback working without a pretrained model.
 *
 * <p>A problem is a one-line English description as a comment and a {@code def f(...)} signature (the prompt, and the
 * code the completion continues); the model writes the body, one line per clause. Families: arithmetic, comparisons
 * and conditionals, strings, lists, dictionary lookups, and loops with accumulation; 1 to 3 composed operations are
 * difficulty 1 to 3. Each has 5 assert tests whose expected values come from running the reference solution, with
 * edge cases first (empty strings and lists, a zero divisor, a missing key, n = 0), so a program that lacks a guard
 * fails with a runtime error on its line, and the tests are chosen so that every operation of the program matters.
 *
 * <p><b>Splits.</b> Whether a (template, parameters) combination is held out is a hash of the curriculum version and
 * the combination itself, so train and test never share one, and the split of a combination does not depend on the
 * seed. <b>Region B</b> is the set of problems phrased with an alternative wording of an operation ("increase it by
 * 3" for "add 3"); the tests-only share of the training problems (published without references) is drawn from region
 * B first: with the default share of 0.5, no reference solution ever shows an alternative wording, so only learning
 * from tests can teach it, while the held-out split samples the whole space. With share 0 every training problem has
 * its reference.
 *
 * <p>The generator is Python ({@code curriculum.py} beside this class), because the tests' expected values are the
 * outputs of the reference programs run by the language being graded; this class runs it with {@code python3} and
 * reads its JSON lines. It is deterministic for a seed, sizes and share.
 */
public final class Curriculum {
    /** The script's own version string: part of every problem id and of the split hash. */
    public static final String SCRIPT = "curriculum.py";

    /** What to generate. */
    public record Settings(long seed, int train, int test, double testsOnlyShare) {
        public Settings {
            if (train < 1 || test < 1) throw new IllegalArgumentException("need at least one train and one test problem");
            if (!(testsOnlyShare >= 0 && testsOnlyShare <= 1))
                throw new IllegalArgumentException("tests-only share must be in [0, 1], got " + testsOnlyShare);
        }

        /** 4000 training and 400 held-out problems, half the training ones without references. */
        public static Settings defaults(long seed) {
            return new Settings(seed, 4000, 400, 0.5);
        }
    }

    private Curriculum() {
    }

    /** The problems of {@code settings}: train first, then test, each in generation order. */
    public static List<Problem> generate(Settings settings) {
        return generate(settings, "python3", null);
    }

    /**
     * As {@link #generate(Settings)} with the given Python; when {@code cache} is a directory, the generated lines are
     * kept there by a digest of the script and the settings, and read back next time.
     */
    public static List<Problem> generate(Settings settings, String python, Path cache) {
        try {
            byte[] script = script();
            String digest = digest(script, settings);
            Path cached = cache == null ? null : cache.resolve("builtin-" + digest.substring(0, 16) + ".jsonl");
            List<String> lines;
            if (cached != null && Files.exists(cached)) {
                lines = Files.readAllLines(cached, StandardCharsets.UTF_8);
            } else {
                lines = run(script, settings, python);
                if (cached != null) {
                    Files.createDirectories(cache);
                    Path tmp = Files.createTempFile(cache, "builtin-", ".tmp");
                    Files.write(tmp, lines, StandardCharsets.UTF_8);
                    Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return parse(lines);
        } catch (IOException e) {
            throw new DatasetException("cannot generate the built-in curriculum: " + e.getMessage(), e);
        }
    }

    private static byte[] script() throws IOException {
        try (InputStream in = Curriculum.class.getResourceAsStream(SCRIPT)) {
            if (in == null) throw new IOException("resource " + SCRIPT + " is missing");
            return in.readAllBytes();
        }
    }

    private static String digest(byte[] script, Settings s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(script);
            md.update((s.seed() + "|" + s.train() + "|" + s.test() + "|" + s.testsOnlyShare()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> run(byte[] script, Settings s, String python) throws IOException {
        Path file = Files.createTempFile("rltf-curriculum-", ".py");
        try {
            Files.write(file, script);
            Process p = new ProcessBuilder(python, file.toString(), "--seed", Long.toString(s.seed()), "--train",
                    Integer.toString(s.train()), "--test", Integer.toString(s.test()), "--tests-only-share",
                    Double.toString(s.testsOnlyShare())).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            }
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0)
                throw new IOException(python + " " + SCRIPT + " failed (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
            return lines;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<Problem> parse(List<String> lines) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (lines.isEmpty()) throw new IOException(SCRIPT + " printed nothing");
        String version = json.readTree(lines.get(0)).path("version").asText();
        List<Problem> out = new ArrayList<>(lines.size() - 1);
        for (String line : lines.subList(1, lines.size())) {
            JsonNode n = json.readTree(line);
            String id = "builtin/" + version + "/" + shortHash(version + n.path("key").asText());
            List<String> asserts = new ArrayList<>();
            n.path("tests").forEach(t -> asserts.add(t.asText()));
            String prompt = n.path("prompt").asText();
            List<ReferenceSolution> refs = n.path("has_reference").asBoolean()
                    ? List.of(ReferenceSolution.newBuilder().setId(id + "#0").setCode(n.path("solution").asText()).build())
                    : List.of();
            out.add(Problem.newBuilder()
                    .setRun("")
                    .setId(id)
                    .setDataset("builtin")
                    .setSplit(n.path("split").asText())
                    .setDifficulty(Integer.toString(n.path("difficulty").asInt()))
                    .setPrompt(prompt)
                    .setCodePrefix(prompt)
                    .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT).setAsserts(asserts).build())
                    .setReferenceSolutions(refs)
                    .setTimeLimitMs(2000)
                    .setTags(Map.of("family", n.path("family").asText(), "region", n.path("region").asText()))
                    .build());
        }
        return out;
    }

    private static String shortHash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
