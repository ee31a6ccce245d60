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
 * HumanEval (openai/human-eval's HumanEval.jsonl.gz). The model continues the prompt (signature and
 * docstring), so the prompt is also the code prefix; the test module defines {@code check(candidate)},
 * run once as a single assert block, as human-eval's own harness does.
 */
final class HumanEval {

    static final String DATASET = "humaneval";

    private HumanEval() {
    }

    static List<Problem> load(Path file) {
        List<Problem> problems = new ArrayList<>();
        for (JsonNode row : DatasetFiles.readJsonLines(file, "HumanEval file")) {
            String taskId = DatasetFiles.text(row, "task_id", file);
            String prompt = DatasetFiles.text(row, "prompt", file);
            String entryPoint = DatasetFiles.text(row, "entry_point", file);
            String id = DATASET + "/" + taskId;
            problems.add(Problem.newBuilder()
                    .setRun("")
                    .setId(id)
                    .setDataset(DATASET)
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
                    .setTimeLimitMs(Datasets.NO_TIME_LIMIT)
                    .build());
        }
        return problems;
    }
}
