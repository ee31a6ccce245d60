package org.rltf.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;

/**
 * HumanEval (openai/human-eval's HumanEval.jsonl.gz), and HumanEval+ in its original format (EvalPlus's
 * HumanEvalPlus-OriginFmt.jsonl.gz: the same fields, with every base and plus input and its expected output baked
 * into the test module). The model continues the prompt (signature and docstring), so the prompt is also the code
 * prefix; the test module defines {@code check(candidate)}, run once as a single assert block, as human-eval's own
 * harness does (for HumanEval+ that one test runs all of the problem's inputs).
 */
final class HumanEval {

    static final String DATASET = "humaneval";

    private HumanEval() {
    }

    static List<Problem> load(Path file) {
        return load(file, DATASET, "HumanEval file", Datasets.NO_TIME_LIMIT);
    }

    /** {@code file} in HumanEval's format, as problems of {@code dataset} with the given time limit. */
    static List<Problem> load(Path file, String dataset, String what, int timeLimitMs) {
        List<Problem> problems = new ArrayList<>();
        for (JsonNode row : DatasetFiles.readJsonLines(file, what)) {
            String taskId = DatasetFiles.text(row, "task_id", file);
            String prompt = DatasetFiles.text(row, "prompt", file);
            String entryPoint = DatasetFiles.text(row, "entry_point", file);
            String id = dataset + "/" + taskId;
            problems.add(Problem.newBuilder()
                    .setRun("")
                    .setId(id)
                    .setDataset(dataset)
                    .setSplit("test")
                    .setDifficulty("")
                    .setPrompt(prompt)
                    .setCodePrefix(prompt)
                    .setTests(TestSuite.newBuilder()
                            .setKind(TestKind.ASSERT)
                            .setInputs(List.of())
                            .setOutputs(List.of())
                            .setFnName(null)
                            .setSetupCode(DatasetFiles.text(row, "test", file))
                            .setAsserts(List.of("check(" + entryPoint + ")"))
                            .setEntryPoint(entryPoint)
                            .build())
                    .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0",
                            DatasetFiles.text(row, "canonical_solution", file))))
                    .setTimeLimitMs(timeLimitMs)
                    .build());
        }
        return problems;
    }
}
