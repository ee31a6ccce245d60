package org.rltf.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rltf.events.Problem;
import org.rltf.events.TestKind;

class DatasetsTest {

    private static Map<String, Problem> byId(List<Problem> problems) {
        return problems.stream().collect(Collectors.toMap(Problem::getId, Function.identity()));
    }

    @Test
    void humanEval() {
        List<Problem> problems = Datasets.load("humaneval");
        assertThat(problems).hasSize(164);
        assertThat(problems).extracting(Problem::getId).doesNotHaveDuplicates();
        Problem first = problems.get(0);
        assertThat(first.getId()).isEqualTo("humaneval/HumanEval/0");
        assertThat(first.getDataset()).isEqualTo("humaneval");
        assertThat(first.getSplit()).isEqualTo("test");
        assertThat(first.getRun()).isEmpty();
        assertThat(first.getTimeLimitMs()).as("HumanEval sets no limit: the grader's applies").isEqualTo(Datasets.NO_TIME_LIMIT);
        assertThat(first.getPrompt()).startsWith("from typing import List").contains("def has_close_elements(");
        assertThat(first.getCodePrefix()).isEqualTo(first.getPrompt());
        assertThat(first.getTests().getKind()).isEqualTo(TestKind.ASSERT);
        assertThat(first.getTests().getEntryPoint()).isEqualTo("has_close_elements");
        assertThat(first.getTests().getAsserts()).containsExactly("check(has_close_elements)");
        assertThat(first.getTests().getSetupCode()).contains("def check(candidate):");
        assertThat(first.getReferenceSolutions()).hasSize(1);
        assertThat(first.getReferenceSolutions().get(0).getId()).isEqualTo("humaneval/HumanEval/0#0");
        assertThat(first.getReferenceSolutions().get(0).getCode()).startsWith("    for idx, elem in enumerate(numbers):");
        assertThat(problems.get(163).getId()).isEqualTo("humaneval/HumanEval/163");
    }

    @Test
    void mbppSplitsAndPrompt() {
        List<Problem> problems = Datasets.load("mbpp");
        assertThat(problems).hasSize(974);
        Map<String, Long> splits = problems.stream().collect(Collectors.groupingBy(Problem::getSplit, Collectors.counting()));
        assertThat(splits).containsExactlyInAnyOrderEntriesOf(Map.of("prompt", 10L, "test", 500L, "validation", 90L, "train", 374L));
        assertThat(Datasets.load("mbpp@train")).hasSize(374).allMatch(p -> p.getSplit().equals("train"));
        assertThat(Datasets.load("mbpp@train,validation")).hasSize(464);

        Problem p = byId(problems).get("mbpp/11");
        assertThat(p.getSplit()).isEqualTo("test");
        assertThat(p.getCodePrefix()).isEmpty();
        assertThat(p.getTests().getKind()).isEqualTo(TestKind.ASSERT);
        assertThat(p.getTests().getAsserts()).hasSize(3).allMatch(a -> a.startsWith("assert remove_Occ("));
        assertThat(p.getPrompt()).contains("Write a python function to remove first and last occurrence")
                .contains(p.getTests().getAsserts().get(0));
        assertThat(p.getReferenceSolutions().get(0).getId()).isEqualTo("mbpp/11#0");
        assertThat(p.getReferenceSolutions().get(0).getCode()).contains("def remove_Occ(").doesNotContain("\r");
        // task 1 is a prompt example and uses module-level constants in its reference code
        assertThat(byId(problems).get("mbpp/1").getSplit()).isEqualTo("prompt");
        assertThat(byId(problems).get("mbpp/974").getSplit()).isEqualTo("train");
    }

    @Test
    void humanEvalPlus() {
        List<Problem> problems = Datasets.load("humanevalplus");
        assertThat(problems).hasSize(164);
        assertThat(problems).extracting(Problem::getId).doesNotHaveDuplicates();
        Problem first = problems.get(0);
        assertThat(first.getId()).isEqualTo("humanevalplus/HumanEval/0");
        assertThat(first.getDataset()).isEqualTo(Datasets.HUMANEVAL_PLUS);
        assertThat(first.getSplit()).isEqualTo("test");
        assertThat(first.getTimeLimitMs()).as("EvalPlus's minimum; the grader times the reference")
                .isEqualTo(Datasets.EVALPLUS_MIN_TIME_LIMIT_MS);
        assertThat(first.getCodePrefix()).isEqualTo(first.getPrompt()).contains("def has_close_elements(");
        assertThat(first.getTests().getKind()).isEqualTo(TestKind.ASSERT);
        assertThat(first.getTests().getAsserts()).containsExactly("check(has_close_elements)");
        // The plus inputs and their results are baked into check().
        assertThat(first.getTests().getSetupCode()).contains("def check(candidate):").contains("inputs = [")
                .contains("results = [").hasSizeGreaterThan(10_000);
        assertThat(first.getReferenceSolutions()).hasSize(1);
        assertThat(first.getReferenceSolutions().get(0).getCode()).contains("sorted_numbers = sorted(numbers)");
        assertThat(problems.get(163).getId()).isEqualTo("humanevalplus/HumanEval/163");
        assertThat(Datasets.load("humanevalplus")).as("deterministic").isEqualTo(problems);
    }

    @Test
    void mbppPlus() {
        List<Problem> problems = Datasets.load("mbppplus");
        assertThat(problems).hasSize(378).allMatch(p -> p.getSplit().equals("test"))
                .allMatch(p -> p.getTimeLimitMs() == Datasets.EVALPLUS_MIN_TIME_LIMIT_MS);
        assertThat(problems).extracting(Problem::getId).doesNotHaveDuplicates();
        assertThat(problems.get(0).getId()).isEqualTo("mbppplus/2");
        assertThat(problems.get(377).getId()).isEqualTo("mbppplus/809");
        Problem p = problems.get(0);
        assertThat(p.getDataset()).isEqualTo(Datasets.MBPP_PLUS);
        assertThat(p.getCodePrefix()).isEmpty();
        assertThat(p.getPrompt()).startsWith("You are an expert Python programmer, and here is your task: Write a function "
                + "to find the shared elements from the given two lists. Your code should pass these tests:\n\n"
                + "assert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n");
        assertThat(p.getTests().getKind()).isEqualTo(TestKind.ASSERT);
        assertThat(p.getTests().getAsserts()).hasSize(1).first().asString().contains("inputs = [")
                .contains("for i, (inp, exp) in enumerate(zip(inputs, results)):")
                .contains("assertion(similar_elements(*inp), exp, 0)");
        assertThat(p.getTests().getSetupCode()).isEmpty();
        assertThat(p.getReferenceSolutions().get(0).getCode()).contains("def similar_elements(test_tup1, test_tup2):");
        // The few problems with test_imports run them before the test.
        assertThat(problems).filteredOn(q -> !q.getTests().getSetupCode().isEmpty()).hasSize(10)
                .allMatch(q -> q.getTests().getSetupCode().equals("import math\n"));
        assertThat(Datasets.load("mbppplus@test")).as("deterministic, all test").isEqualTo(problems);
    }

    @Test
    void appsFolders() {
        List<Problem> problems = Datasets.load("apps:apps/coderl_train5");
        assertThat(problems).extracting(Problem::getId)
                .containsExactly("apps/0001", "apps/0111", "apps/2287", "apps/2404", "apps/4184");
        Map<String, Problem> byId = byId(problems);
        // Kinds as the input_output.json files say (fn_name present or not).
        assertThat(byId.get("apps/0001").getTests().getKind()).isEqualTo(TestKind.STDIO);
        assertThat(byId.get("apps/0111").getTests().getKind()).isEqualTo(TestKind.STDIO);
        assertThat(byId.get("apps/2287").getTests().getKind()).isEqualTo(TestKind.STDIO);
        assertThat(byId.get("apps/2404").getTests().getKind()).isEqualTo(TestKind.CALL_BASED);
        assertThat(byId.get("apps/4184").getTests().getKind()).isEqualTo(TestKind.CALL_BASED);
        assertThat(problems).allMatch(p -> p.getSplit().equals("train") && p.getCodePrefix().isEmpty());

        Problem stdin = byId.get("apps/0001");
        assertThat(stdin.getDifficulty()).isEqualTo("interview");
        assertThat(stdin.getTests().getInputs()).containsExactly("3\n2 2 3\n4 3 7\n10 1 9\n");
        assertThat(stdin.getTests().getOutputs()).containsExactly("1\n6\n-1\n");
        assertThat(stdin.getTests().getFnName()).isNull();
        assertThat(stdin.getPrompt()).startsWith("\nQUESTION:\n").endsWith("\nUse Standard Input format\nANSWER:\n");
        assertThat(stdin.getReferenceSolutions()).hasSize(24);
        assertThat(stdin.getReferenceSolutions().get(23).getId()).isEqualTo("apps/0001#23");

        Problem called = byId.get("apps/4184");
        assertThat(called.getDifficulty()).isEqualTo("introductory");
        assertThat(called.getTests().getFnName()).isEqualTo("is_prime");
        assertThat(called.getTests().getInputs()).hasSize(8).first().isEqualTo("[1]");
        assertThat(called.getTests().getOutputs()).first().isEqualTo("[false]");
        assertThat(called.getPrompt()).contains("\ndef is_prime(n):").endsWith("\nUse Call-Based format\nANSWER:\n");

        Problem leetcode = byId.get("apps/2404");
        assertThat(leetcode.getTests().getFnName()).isEqualTo("findKthPositive");
        assertThat(leetcode.getTests().getInputs()).containsExactly("[[2,3,4,7,11],5]");
        assertThat(leetcode.getTests().getOutputs()).containsExactly("9");
        assertThat(leetcode.getPrompt()).contains("class Solution:");
    }

    @Test
    void appsJsonLines() {
        List<Problem> problems = Datasets.load("apps-jsonl:apps/apps_test10/apps_10.jsonl");
        assertThat(problems).hasSize(10).allMatch(p -> p.getSplit().equals("test"));
        Problem first = problems.get(0);
        assertThat(first.getId()).isEqualTo("apps/test/1079");
        assertThat(first.getDifficulty()).isEqualTo("interview");
        assertThat(first.getTests().getKind()).isEqualTo(TestKind.STDIO);
        assertThat(first.getTests().getInputs()).isNotEmpty().first().isEqualTo("10\n");
        assertThat(first.getReferenceSolutions()).isEmpty();
        assertThat(first.getPrompt()).startsWith("\nQUESTION:\nValera considers").endsWith("\nUse Standard Input format\nANSWER:\n");
    }

    @Test
    void appsExampleTestsLoadAsTestsOnly() {
        // The public examples of the 5000 APPS test problems (CodeRL's example_input_output), for test-time feedback.
        List<Problem> problems = Datasets.load("apps-jsonl:apps/test_example_tests/apps_test_example_tests.jsonl");
        assertThat(problems).as("63 problems have no examples").hasSize(4937);
        assertThat(problems).extracting(Problem::getId).doesNotHaveDuplicates();
        Problem first = problems.get(0);
        assertThat(first.getId()).as("the test problem's own id").isEqualTo("apps/test/0000");
        assertThat(first.getSplit()).isEqualTo("test");
        assertThat(first.getPrompt()).isEmpty();
        assertThat(first.getReferenceSolutions()).isEmpty();
        assertThat(first.getTests().getKind()).isEqualTo(TestKind.STDIO);
        assertThat(first.getTests().getInputs()).containsExactly("|[a:b:|]\n", "|]:[|:]\n");
        assertThat(first.getTests().getOutputs()).containsExactly("4\n", "-1");
        assertThat(Datasets.load("apps-jsonl:apps/test_example_tests/apps_test_example_tests.jsonl"))
                .as("deterministic").isEqualTo(problems);

        // The folder is not APPS's folder layout: the message says what to load instead.
        assertThatThrownBy(() -> Datasets.load("apps:apps/test_example_tests"))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("apps-jsonl:apps/test_example_tests/apps_test_example_tests.jsonl");
    }

    @Test
    void missingFilesAndBadSpecsAreNamed(@TempDir Path empty) throws Exception {
        assertThatThrownBy(() -> Datasets.load("humaneval", empty))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(empty.resolve("humaneval/HumanEval.jsonl.gz").toString());
        assertThatThrownBy(() -> Datasets.load("apps:nowhere", empty))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(empty.resolve("nowhere").toString());
        assertThatThrownBy(() -> Datasets.load("codecontests"))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("unknown dataset spec 'codecontests'");

        Path broken = empty.resolve("mbpp/mbpp.jsonl");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "{\"task_id\": 1, \"text\": \"x\", \"code\": \"pass\", \"test_list\": []}\nnot json\n");
        assertThatThrownBy(() -> Datasets.load("mbpp", empty))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(broken + ":2");
    }
}
