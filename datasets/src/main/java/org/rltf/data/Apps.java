package org.rltf.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APPS (Hendrycks et al. 2021), in its original folder layout or as JSON lines. The model writes the
 * whole program from CodeRL's prompt (salesforce/CodeRL generate.py): question, starter code, and
 * whether the program reads standard input or is called by name.
 *
 * <p>Ids: {@code apps/NNNN} for training problems, {@code apps/test/NNNN} for test problems, because
 * APPS numbers both splits from 0000 and the problems topic is keyed (and compacted) by id.
 * Problems without any test (some APPS training problems) cannot be graded and are skipped with a
 * warning.
 */
final class Apps {

    static final String DATASET = "apps";
    private static final Logger log = LoggerFactory.getLogger(Apps.class);

    private Apps() {
    }

    /** One {@code NNNN} folder per problem; split from the folder's name (train or test), else train. */
    static List<Problem> loadDirectory(Path dir) {
        return loadDirectory(dir, dir.toString());
    }

    /** As {@link #loadDirectory(Path)}; {@code location} is the folder as the user named it, for messages. */
    static List<Problem> loadDirectory(Path dir, String location) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("APPS folder not found: " + dir.toAbsolutePath().normalize());
        }
        String dirName = dir.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT);
        String split = dirName.equals("test") ? "test" : "train";
        List<Path> folders;
        try (Stream<Path> children = Files.list(dir)) {
            folders = children.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches("\\d+"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (folders.isEmpty()) {
            throw new DatasetException("no APPS problem folders (NNNN/question.txt) in " + dir.toAbsolutePath().normalize()
                    + jsonLinesHint(dir, location));
        }
        List<Problem> problems = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path folder : folders) {
            String number = folder.getFileName().toString();
            String question = DatasetFiles.readText(folder.resolve("question.txt"), "APPS question");
            Path ioFile = folder.resolve("input_output.json");
            JsonNode io = Files.exists(ioFile) ? DatasetFiles.readJson(ioFile, "APPS tests") : null;
            Path starterFile = folder.resolve("starter_code.py");
            String starter = Files.exists(starterFile) ? DatasetFiles.readText(starterFile, "APPS starter code") : null;
            Path solutionsFile = folder.resolve("solutions.json");
            List<String> solutions = Files.exists(solutionsFile)
                    ? textArray(DatasetFiles.readJson(solutionsFile, "APPS solutions"), solutionsFile)
                    : List.of();
            Path metadataFile = folder.resolve("metadata.json");
            String difficulty = Files.exists(metadataFile)
                    ? DatasetFiles.readJson(metadataFile, "APPS metadata").path("difficulty").asText("")
                    : "";
            Problem problem = build(number, split, question, starter, io, solutions, difficulty, folder);
            if (problem != null) {
                problems.add(problem);
            } else {
                skipped.add(id(number, split));
            }
        }
        warnSkipped(skipped, dir);
        return problems;
    }

    /** "; it holds X.jsonl: load it with apps-jsonl:DIR/X.jsonl", for a folder of JSON-lines files. */
    private static String jsonLinesHint(Path dir, String location) {
        try (Stream<Path> children = Files.list(dir)) {
            List<String> files = children.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jsonl") || n.endsWith(".jsonl.gz")).sorted().toList();
            if (files.isEmpty()) return "";
            String spec = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
            return "; it holds " + String.join(", ", files) + ": load " + (files.size() == 1 ? "it" : "one") + " with apps-jsonl:"
                    + spec + "/" + files.get(0);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * APPS as JSON lines ({@code problem_id}, {@code question}, {@code starter_code}, {@code input_output}
     * as a JSON string, optional {@code solutions} and {@code difficulty}). The split is train when the
     * file's name says so, else test (the published JSON-lines files are the test problems).
     *
     * <p>Rows with {@code example_input_output} and no {@code question} are APPS's example tests (CodeRL's
     * example_input_output.json of each test problem, packed as {@code apps/test_example_tests/*.jsonl}): the
     * public examples of a problem's statement, without the statement. They load as tests only, under the test
     * problem's own id and with an empty prompt, for test-time feedback: grading a test problem's samples against
     * its examples, as CodeRL's critic sampling does. Their ids are the test problems', so they are not for a run
     * that also holds the test problems themselves. The file names no function, so every example is a
     * standard-input test.
     */
    static List<Problem> loadJsonl(Path file) {
        String split = file.getFileName().toString().toLowerCase(Locale.ROOT).contains("train") ? "train" : "test";
        List<Problem> problems = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (JsonNode row : DatasetFiles.readJsonLines(file, "APPS JSON-lines file")) {
            JsonNode idNode = row.get("problem_id");
            if (idNode == null || idNode.isNull()) {
                throw new DatasetException(file + ": APPS record without problem_id");
            }
            String number = idNode.canConvertToInt() ? String.format("%04d", idNode.asInt()) : idNode.asText();
            boolean examplesOnly = !row.has("question") && row.has("example_input_output");
            String rowSplit = examplesOnly && row.hasNonNull("split") ? row.get("split").asText() : split;
            Problem problem;
            if (examplesOnly) {
                JsonNode io = parseEmbedded(row.get("example_input_output"), file, number);
                problem = build(number, rowSplit, null, null, io, List.of(), "", file);
            } else {
                String starter = row.path("starter_code").asText("");
                JsonNode io = parseEmbedded(row.get("input_output"), file, number);
                JsonNode solutionsNode = parseEmbedded(row.get("solutions"), file, number);
                List<String> solutions = solutionsNode == null ? List.of() : textArray(solutionsNode, file);
                problem = build(number, rowSplit, DatasetFiles.text(row, "question", file),
                        starter.isEmpty() ? null : starter, io, solutions, row.path("difficulty").asText(""), file);
            }
            if (problem != null) {
                problems.add(problem);
            } else {
                skipped.add(id(number, rowSplit));
            }
        }
        warnSkipped(skipped, file);
        return problems;
    }

    private static String id(String number, String split) {
        return split.equals("test") ? DATASET + "/test/" + number : DATASET + "/" + number;
    }

    private static void warnSkipped(List<String> skipped, Path source) {
        if (skipped.isEmpty()) return;
        log.warn("Skipping {} APPS problem(s) of {} without tests: {}", skipped.size(), source,
                skipped.size() <= 10 ? String.join(", ", skipped)
                        : String.join(", ", skipped.subList(0, 10)) + ", ... (" + (skipped.size() - 10) + " more)");
    }

    /** CodeRL's generate_prompt: the call-based/standard-input hint follows its rules exactly. */
    static String prompt(String question, String starter, JsonNode io) {
        StringBuilder prompt = new StringBuilder("\nQUESTION:\n").append(question);
        if (starter != null) {
            prompt.append('\n').append(starter);
        }
        boolean callBased = io != null ? hasFnName(io) : starter != null;
        prompt.append(callBased ? "\nUse Call-Based format" : "\nUse Standard Input format");
        prompt.append("\nANSWER:\n");
        return prompt.toString();
    }

    /** A problem, or null when it has no tests (it could not be graded). {@code question} null: examples only. */
    private static Problem build(String number, String split, String question, String starter, JsonNode io,
                                 List<String> solutions, String difficulty, Path source) {
        String id = id(number, split);
        TestSuite tests = tests(io, source);
        if (tests == null) {
            return null;
        }
        List<ReferenceSolution> references = new ArrayList<>(solutions.size());
        for (int i = 0; i < solutions.size(); i++) {
            references.add(new ReferenceSolution(id + "#" + i, solutions.get(i)));
        }
        return Problem.newBuilder()
                .setRun("")
                .setId(id)
                .setDataset(DATASET)
                .setSplit(split)
                .setDifficulty(difficulty)
                .setPrompt(question == null ? "" : prompt(question, starter, io))
                .setCodePrefix("")
                .setTests(tests)
                .setReferenceSolutions(references)
                .setTimeLimitMs(Datasets.NO_TIME_LIMIT)
                .build();
    }

    /**
     * Call-based tests keep each argument list and expected value as JSON text; standard-input tests
     * keep the text, joining line lists with newlines as APPS's testing_util does.
     */
    private static TestSuite tests(JsonNode io, Path source) {
        if (io == null || !io.path("inputs").isArray() || io.path("inputs").isEmpty()) {
            return null;
        }
        JsonNode inputs = io.get("inputs");
        JsonNode outputs = io.path("outputs");
        if (!outputs.isArray() || outputs.size() != inputs.size()) {
            throw new DatasetException(source + ": input_output has " + inputs.size() + " inputs but "
                    + (outputs.isArray() ? outputs.size() : 0) + " outputs");
        }
        boolean callBased = hasFnName(io);
        List<String> in = new ArrayList<>(inputs.size());
        List<String> out = new ArrayList<>(outputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            in.add(callBased ? inputs.get(i).toString() : stdio(inputs.get(i)));
            out.add(callBased ? outputs.get(i).toString() : stdio(outputs.get(i)));
        }
        return TestSuite.newBuilder()
                .setKind(callBased ? TestKind.CALL_BASED : TestKind.STDIO)
                .setInputs(in)
                .setOutputs(out)
                .setFnName(callBased ? io.get("fn_name").asText() : null)
                .setSetupCode("")
                .setAsserts(List.of())
                .setEntryPoint(null)
                .build();
    }

    private static boolean hasFnName(JsonNode io) {
        JsonNode fn = io.get("fn_name");
        return fn != null && fn.isTextual() && !fn.asText().isEmpty();
    }

    private static String stdio(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isArray()) {
            List<String> lines = new ArrayList<>();
            value.forEach(v -> lines.add(v.isTextual() ? v.asText() : v.toString()));
            return String.join("\n", lines);
        }
        return value.toString();
    }

    private static List<String> textArray(JsonNode node, Path source) {
        if (!node.isArray()) {
            throw new DatasetException(source + ": expected a JSON array of solutions");
        }
        List<String> out = new ArrayList<>(node.size());
        node.forEach(v -> out.add(v.asText()));
        return out;
    }

    /** The JSON-lines format stores input_output and solutions as JSON text inside a string. */
    private static JsonNode parseEmbedded(JsonNode field, Path file, String number) {
        if (field == null || field.isNull()) {
            return null;
        }
        if (!field.isTextual()) {
            return field;
        }
        if (field.asText().isBlank()) {
            return null;
        }
        try {
            return DatasetFiles.JSON.readTree(field.asText());
        } catch (JsonProcessingException e) {
            throw new DatasetException(file + ": problem " + number + " has unparsable embedded JSON: " + e.getOriginalMessage(), e);
        }
    }
}
