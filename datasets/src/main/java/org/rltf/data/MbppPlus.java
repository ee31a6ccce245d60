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
 * MBPP+ (EvalPlus's MbppPlus-OriginFmt.jsonl.gz, v0.2.0): 378 problems of sanitized MBPP, each with its base and
 * plus inputs and their expected outputs baked into one test script ({@code inputs = [...]}, {@code results = [...]}
 * and a loop that asserts the function's answer for each, with EvalPlus's float tolerance). That script is the
 * problem's one test; {@code test_imports} run before it. The prompt is MBPP's ({@link Mbpp#prompt}) with the
 * original three asserts of {@code test_list}.
 *
 * <p>Every problem is a test problem (EvalPlus evaluates on all 378), whatever MBPP's own split of its task id:
 * task ids 601-809 are in MBPP's train split and 511-600 in its validation split, so a model trained on
 * {@code mbpp@train} has seen some of these tasks.
 */
final class MbppPlus {

    static final String DATASET = "mbppplus";

    private MbppPlus() {
    }

    static List<Problem> load(Path file) {
        List<Problem> problems = new ArrayList<>();
        for (JsonNode row : DatasetFiles.readJsonLines(file, "MBPP+ file")) {
            JsonNode taskIdNode = row.get("task_id");
            if (taskIdNode == null || !taskIdNode.canConvertToInt()) {
                throw new DatasetException(file + ": record without an integer task_id");
            }
            String id = DATASET + "/" + taskIdNode.asInt();
            List<String> asserts = DatasetFiles.textList(row, "test_list", file).stream().map(DatasetFiles::lf).toList();
            String imports = String.join("\n", DatasetFiles.textList(row, "test_imports", file));
            problems.add(Problem.newBuilder()
                    .setRun("")
                    .setId(id)
                    .setDataset(DATASET)
                    .setSplit("test")
                    .setDifficulty("")
                    .setPrompt(Mbpp.prompt(DatasetFiles.text(row, "prompt", file), asserts))
                    .setCodePrefix("")
                    .setTests(TestSuite.newBuilder()
                            .setKind(TestKind.ASSERT)
                            .setInputs(List.of())
                            .setOutputs(List.of())
                            .setFnName(null)
                            .setSetupCode(imports.isEmpty() ? "" : imports + "\n")
                            .setAsserts(List.of(DatasetFiles.lf(DatasetFiles.text(row, "test", file))))
                            .setEntryPoint(null)
                            .build())
                    .setReferenceSolutions(List.of(new ReferenceSolution(id + "#0",
                            DatasetFiles.lf(DatasetFiles.text(row, "code", file)))))
                    .setTimeLimitMs(Datasets.EVALPLUS_MIN_TIME_LIMIT_MS)
                    .build());
        }
        return problems;
    }
}
