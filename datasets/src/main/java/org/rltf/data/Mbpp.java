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
 * MBPP (full, 974 problems). The model writes the whole program; the prompt is the MBPP paper's
 * (Austin et al. 2021): the task text and its three asserts, which name the function to write.
 * challenge_test_list is not used (the standard MBPP evaluation leaves it out).
 */
final class Mbpp {

    static final String DATASET = "mbpp";

    private Mbpp() {
    }

    static List<Problem> load(Path file) {
        List<Problem> problems = new ArrayList<>();
        for (JsonNode row : DatasetFiles.readJsonLines(file, "MBPP file")) {
            JsonNode taskIdNode = row.get("task_id");
            if (taskIdNode == null || !taskIdNode.canConvertToInt()) {
                throw new DatasetException(file + ": record without an integer task_id");
            }
            int taskId = taskIdNode.asInt();
            String id = DATASET + "/" + taskId;
            List<String> asserts = DatasetFiles.textList(row, "test_list", file).stream().map(DatasetFiles::lf).toList();
            problems.add(Problem.newBuilder()
                    .setRun("")
                    .setId(id)
                    .setDataset(DATASET)
                    .setSplit(split(taskId))
                    .setDifficulty("")
                    .setPrompt(prompt(DatasetFiles.text(row, "text", file), asserts))
                    .setCodePrefix("")
                    .setTests(TestSuite.newBuilder()
                            .setKind(TestKind.ASSERT)
                            .setInputs(List.of())
                            .setOutputs(List.of())
                            .setFnName(null)
                            .setSetupCode(DatasetFiles.lf(row.path("test_setup_code").asText("")))
                            .setAsserts(asserts)
                            .setEntryPoint(null)
                            .build())
                    .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0",
                            DatasetFiles.lf(DatasetFiles.text(row, "code", file)))))
                    .setTimeLimitMs(Datasets.NO_TIME_LIMIT)
                    .build());
        }
        return problems;
    }

    /** The split the MBPP authors fixed by task id. */
    static String split(int taskId) {
        if (taskId <= 10) {
            return "prompt";
        } else if (taskId <= 510) {
            return "test";
        } else if (taskId <= 600) {
            return "validation";
        }
        return "train";
    }

    static String prompt(String text, List<String> asserts) {
        return "You are an expert Python programmer, and here is your task: " + text.strip()
                + " Your code should pass these tests:\n\n" + String.join("\n", asserts) + "\n";
    }
}
