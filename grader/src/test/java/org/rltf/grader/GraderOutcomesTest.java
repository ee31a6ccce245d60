package org.rltf.grader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rltf.grader.Problems.asserts;
import static org.rltf.grader.Problems.call;
import static org.rltf.grader.Problems.sample;
import static org.rltf.grader.Problems.stdio;
import static org.rltf.grader.Problems.withTimeLimit;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestStatus;

/** Hand-written programs for every outcome, error class and category, with exact lines and spans. */
class GraderOutcomesTest {
    private static Grader grader;

    /** MBPP-style: three asserts on f. */
    private static final Problem ADD_ONE = asserts("t/add-one", "", "", "assert f(1) == 2", "assert f(2) == 3", "assert f(10) == 11");

    @BeforeAll
    static void start() {
        grader = Grader.start(new GraderConfig(Map.of(GraderConfig.PARALLELISM_CONFIG, 2, GraderConfig.ID_CONFIG, "outcomes")));
    }

    @AfterAll
    static void stop() {
        if (grader != null) grader.close();
    }

    private static Feedback grade(Problem p, String completion) {
        return grader.grade(p, sample(p, completion));
    }

    @Test
    void passCopiesSampleIdentity() {
        Sample s = sample(ADD_ONE, "def f(x):\n    return x + 1\n");
        Feedback fb = grader.grade(ADD_ONE, s);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.PASS);
        assertThat(fb.getPassed()).isEqualTo(3);
        assertThat(fb.getTotal()).isEqualTo(3);
        assertThat(fb.getTests()).extracting(t -> t.getStatus()).containsOnly(TestStatus.PASSED);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.NONE);
        assertThat(fb.getErrorClass()).isNull();
        assertThat(fb.getSampleId()).isEqualTo(s.getSampleId());
        assertThat(fb.getProblemId()).isEqualTo(ADD_ONE.getId());
        assertThat(fb.getRun()).isEqualTo("test");
        assertThat(fb.getPolicyVersion()).isEqualTo(7);
        assertThat(fb.getGraderId()).isEqualTo("outcomes");
    }

    @Test
    void wrongAnswerIsFailureWithPassRatio() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    return 2 if x == 1 else 3\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.FAILURE);
        assertThat(fb.getPassed()).isEqualTo(2);
        assertThat(fb.getTotal()).isEqualTo(3);
        assertThat(fb.getTests()).extracting(t -> t.getStatus())
                .containsExactly(TestStatus.PASSED, TestStatus.PASSED, TestStatus.WRONG_ANSWER);
        assertThat(fb.getTests().get(2).getMessage()).isEqualTo("assert f(10) == 11");
        assertThat(fb.getErrorClass()).isEqualTo("WrongAnswer");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.NONE);
        assertThat(fb.getErrorLine()).isNull();
    }

    @Test
    void nameErrorOnLine3IsULineWithItsSpan() {
        String completion = "def f(x):\n    y = x + 1\n    return z\n";
        Feedback fb = grade(ADD_ONE, completion);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("NameError");
        assertThat(fb.getErrorMessage()).contains("'z'");
        assertThat(fb.getErrorLine()).isEqualTo(3);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
        assertThat(completion.substring(fb.getErrorSpanStart(), fb.getErrorSpanEnd())).isEqualTo("    return z");
        assertThat(fb.getTests()).extracting(t -> t.getStatus()).containsOnly(TestStatus.ERROR);
        assertThat(fb.getTests().get(0).getErrorClass()).isEqualTo("NameError");
    }

    @Test
    void errorInTheDeepestProgramFrameGivesTheLine() {
        String completion = "def g(d):\n    return d['missing']\n\ndef f(x):\n    return g({}) + x\n";
        Feedback fb = grade(ADD_ONE, completion);
        assertThat(fb.getErrorClass()).isEqualTo("KeyError");
        assertThat(fb.getErrorLine()).isEqualTo(2);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
    }

    @Test
    void errorOnlySomeTestsIsRuntimeErrorKeepingPassCount() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    if x == 10:\n        return 1 // 0\n    return x + 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getPassed()).isEqualTo(2);
        assertThat(fb.getErrorClass()).isEqualTo("ZeroDivisionError");
        assertThat(fb.getErrorLine()).isEqualTo(3);
    }

    @Test
    void programCutOffMidExpressionIsSyntaxErrorGlobal() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    return (x +");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("SyntaxError");
        assertThat(fb.getErrorLine()).isEqualTo(2);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(fb.getPassed()).isZero();
        assertThat(fb.getTotal()).isEqualTo(3);
        assertThat(fb.getTests()).extracting(t -> t.getStatus()).containsOnly(TestStatus.NOT_RUN);

        Feedback cutInStatement = grade(ADD_ONE, "def f(x):\n    y = x +\n");
        assertThat(cutInStatement.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(cutInStatement.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);

        Feedback cutBeforeBody = grade(ADD_ONE, "def f(x):\n    if x:\n");
        assertThat(cutBeforeBody.getErrorClass()).isEqualTo("IndentationError");
        assertThat(cutBeforeBody.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
    }

    @Test
    void syntaxErrorBeforeTheLastLineIsULine() {
        String completion = "def f(x)\n    return x + 1\n";
        Feedback fb = grade(ADD_ONE, completion);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(fb.getErrorLine()).isEqualTo(1);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
        assertThat(completion.substring(fb.getErrorSpanStart(), fb.getErrorSpanEnd())).isEqualTo("def f(x)");
    }

    @Test
    void tabErrorIsIgnored() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    if x:\n\treturn x + 1\n    return 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("TabError");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_IGNORE);
    }

    @Test
    void programCutOffInsideAnOpenBracketIsGlobalWhateverLinePythonNames() {
        // Python 3.11: "'(' was never closed" on line 2, the bracket's line, not the last (4).
        String completion = "def f(x):\n    return g(x,\n             1,\n             2";
        Feedback fb = grade(ADD_ONE, completion);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(fb.getErrorMessage()).contains("was never closed");
        assertThat(fb.getErrorLine()).isEqualTo(2);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);

        Feedback dict = grade(ADD_ONE, "T = {\n    1: 2,\n    2: 3,\n");
        assertThat(dict.getErrorLine()).isEqualTo(1);
        assertThat(dict.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);

        // HumanEval-style: the prefix is complete, the completion is cut inside a call.
        Problem p = asserts("t/cut-call", "def f(x):\n    \"\"\"Add one.\"\"\"\n", "", "assert f(1) == 2");
        Feedback inCompletion = grade(p, "    return sum([x,\n                1,\n");
        assertThat(inCompletion.getErrorLine()).isEqualTo(3);
        assertThat(inCompletion.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
    }

    @Test
    void programCutOffInsideAStringIsGlobal() {
        // Python names the line the string starts on (2), not where the text ends (3).
        Feedback docstring = grade(ADD_ONE, "def f(x):\n    \"\"\"Return the sum of\n    x and");
        assertThat(docstring.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(docstring.getErrorMessage()).contains("unterminated triple-quoted string");
        assertThat(docstring.getErrorLine()).isEqualTo(2);
        assertThat(docstring.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        // A one-line string left open on an earlier line ends there: that line is the error, not a cut-off.
        Feedback earlier = grade(ADD_ONE, "def f(x):\n    s = 'abc\n    return x + 1\n");
        assertThat(earlier.getErrorLine()).isEqualTo(2);
        assertThat(earlier.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
    }

    @Test
    void programCutOffBeforeABlockIsGlobal() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    if x > 0:\n        # positive\n\n");
        assertThat(fb.getErrorClass()).isEqualTo("IndentationError");
        assertThat(fb.getErrorMessage()).contains("expected an indented block");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        // An empty block in the middle of a program is that block's line.
        Feedback middle = grade(ADD_ONE, "def f(x):\n    if x > 0:\n    return x + 1\n");
        assertThat(middle.getErrorMessage()).contains("expected an indented block");
        assertThat(middle.getErrorLine()).isEqualTo(3);
        assertThat(middle.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
    }

    @Test
    void timeoutIsGlobal() {
        Problem p = withTimeLimit(asserts("t/loop", "", "", "assert f(1) == 2"), 500);
        Feedback fb = grade(p, "def f(x):\n    while True:\n        x += 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("Timeout");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(fb.getTests().get(0).getStatus()).isEqualTo(TestStatus.TIMEOUT);
        assertThat(fb.getTests().get(0).getTimeMs()).isBetween(450, 3000);
    }

    @Test
    void recursionErrorIsGlobal() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    return f(x) + 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("RecursionError");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(fb.getErrorLine()).isEqualTo(2);
    }

    @Test
    void memoryErrorIsGlobal() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    big = bytearray(8 * 1024 ** 3)\n    return x + 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("MemoryError");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_GLOBAL);
        assertThat(fb.getTests().get(0).getStatus()).isEqualTo(TestStatus.MEMORY);
    }

    @Test
    void runtimeErrorClassIsIgnored() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    raise RuntimeError('boom')\n");
        assertThat(fb.getErrorClass()).isEqualTo("RuntimeError");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_IGNORE);
    }

    @Test
    void assertInsideTheProgramIsAnErrorNotAWrongAnswer() {
        Feedback fb = grade(ADD_ONE, "def f(x):\n    assert x > 5, 'too small'\n    return x + 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("AssertionError");
        assertThat(fb.getErrorLine()).isEqualTo(2);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
    }

    @Test
    void aLoneSurrogateIsASyntaxErrorOnItsOwnLine() {
        // Not encodable as UTF-8, so not valid source: Python reads such a file as a SyntaxError on its line.
        String completion = "def f(x):\n    y = x + 1\n    s = '\ud800'\n    return y\n";
        Feedback fb = grade(ADD_ONE, completion);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("SyntaxError");
        assertThat(fb.getErrorMessage()).contains("surrogate").contains("U+D800").doesNotContain("null bytes");
        assertThat(fb.getErrorLine()).isEqualTo(3);
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
        assertThat(completion.substring(fb.getErrorSpanStart(), fb.getErrorSpanEnd())).isEqualTo("    s = '\ud800'");

        Feedback nul = grade(ADD_ONE, "def f(x):\n    return x + 1\n# \0\n");
        assertThat(nul.getOutcome()).isEqualTo(Outcome.SYNTAX_ERROR);
        assertThat(nul.getErrorMessage()).contains("null bytes");
        assertThat(nul.getErrorLine()).isEqualTo(3);
    }

    @Test
    void aProgramThatRebindsAssertionErrorStillFailsItsAssertsAsWrongAnswers() {
        String rebinds = "import builtins\nclass Mine(Exception):\n    pass\nbuiltins.AssertionError = Mine\n"
                + "def f(x):\n    return x\n";
        Feedback fb = grade(ADD_ONE, rebinds);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.FAILURE);
        assertThat(fb.getErrorClass()).isEqualTo("WrongAnswer");
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.NONE);
        assertThat(fb.getTests()).extracting(t -> t.getStatus()).containsOnly(TestStatus.WRONG_ANSWER);
        // ... and an assert of the program's own is still the program's error on its line.
        Feedback own = grade(ADD_ONE, "import builtins\nbuiltins.AssertionError = KeyError\n"
                + "def f(x):\n    assert x > 5\n    return x + 1\n");
        assertThat(own.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(own.getErrorClass()).isEqualTo("AssertionError");
        assertThat(own.getErrorLine()).isEqualTo(4);
    }

    @Test
    void missingFunctionHasNoLineAndIsIgnored() {
        Feedback fb = grade(ADD_ONE, "def g(x):\n    return x + 1\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("NameError");
        assertThat(fb.getErrorLine()).isNull();
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_IGNORE);
    }

    @Test
    void exitingBeforeTheTestsIsNotAPass() {
        Feedback exit0 = grade(ADD_ONE, "import sys\nsys.exit(0)\n");
        assertThat(exit0.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(exit0.getErrorClass()).isEqualTo("SystemExit");
        assertThat(exit0.getPassed()).isZero();
        Feedback hardExit = grade(ADD_ONE, "import os\nos._exit(0)\n");
        assertThat(hardExit.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(hardExit.getErrorClass()).isEqualTo("ExitWithoutResult");
        assertThat(hardExit.getPassed()).isZero();
    }

    @Test
    void humanEvalStyleLinesMapIntoTheCompletion() {
        String prefix = "from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    \"\"\"Sum of xs.\n    >>> total([1, 2])\n    3\n    \"\"\"\n";
        String setup = "def check(candidate):\n    assert candidate([1, 2]) == 3\n    assert candidate([]) == 0\n";
        Problem p = asserts("t/humaneval-like", prefix, setup, "check(total)");
        String completion = "    s = 0\n    for x in xs:\n        s += y\n    return s\n";
        Feedback fb = grade(p, completion);
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getErrorClass()).isEqualTo("NameError");
        assertThat(fb.getErrorLine()).isEqualTo(11);   // 8 prefix lines, then the third completion line
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_LINE);
        assertThat(completion.substring(fb.getErrorSpanStart(), fb.getErrorSpanEnd())).isEqualTo("        s += y");

        Feedback pass = grade(p, "    return sum(xs)\n");
        assertThat(pass.getOutcome()).isEqualTo(Outcome.PASS);
        Feedback wrong = grade(p, "    return len(xs)\n");
        assertThat(wrong.getOutcome()).isEqualTo(Outcome.FAILURE);
        assertThat(wrong.getTests().get(0).getMessage()).isEqualTo("assert candidate([1, 2]) == 3");
    }

    @Test
    void errorInTheCodePrefixHasNoSpanAndNoLinePenalty() {
        String prefix = "def helper(x):\n    return x.missing\n\n\ndef f(x):\n";
        Problem p = asserts("t/prefix-error", prefix, "", "assert f(1) == 2");
        Feedback fb = grade(p, "    return helper(x)\n");
        assertThat(fb.getErrorClass()).isEqualTo("AttributeError");
        assertThat(fb.getErrorLine()).isEqualTo(2);
        assertThat(fb.getErrorSpanStart()).isNull();
        assertThat(fb.getErrorCategory()).isEqualTo(ErrorCategory.U_IGNORE);
    }

    @Test
    void standardInputComparesLikeApps() {
        Problem p = stdio("t/stdio", List.of("2\n1 2\n", "3\n1 2 3\n", "1\n5\n"), List.of("3\n", "6.0000001\n", "5 \n"));
        Feedback pass = grade(p, "n = int(input())\nprint(float(sum(map(int, input().split()))) if n == 3 else sum(map(int, input().split())))\n");
        assertThat(pass.getOutcome()).isEqualTo(Outcome.PASS);
        Feedback wrong = grade(p, "input()\nprint(sum(map(int, input().split())) + 1)\n");
        assertThat(wrong.getOutcome()).isEqualTo(Outcome.FAILURE);
        assertThat(wrong.getPassed()).isZero();
        assertThat(wrong.getTests().get(0).getMessage()).contains("expected '3', got '4'");
        Feedback crash = grade(p, "n = int(input())\nprint(n)\nx = [][n]\n");
        assertThat(crash.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(crash.getErrorClass()).isEqualTo("IndexError");
        assertThat(crash.getErrorLine()).isEqualTo(3);
        Feedback threads = grade(p, "import sys, threading\nsys.setrecursionlimit(10000)\nthreading.stack_size(1 << 26)\n"
                + "def main():\n    input()\n    print(sum(map(int, input().split())))\nthreading.Thread(target=main).start()\n");
        assertThat(threads.getOutcome()).as("non-daemon threads finish before output is compared").isEqualTo(Outcome.PASS);
        Feedback exits = grade(p, "input()\nprint(sum(map(int, input().split())))\nexit()\nprint('never')\n");
        assertThat(exits.getOutcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void topLevelReturnEndsAStandardInputProgramAsInApps() {
        Problem p = stdio("t/return", List.of("1\n", "2\n"), List.of("one\n", "2\n"));
        String program = "n = int(input())\nif n == 1:\n    print('one')\n    return\nprint(n)\n";
        assertThat(grade(p, program).getOutcome()).isEqualTo(Outcome.PASS);
        Feedback fb = grade(p, program + "print(undefined)\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.RUNTIME_ERROR);
        assertThat(fb.getPassed()).isEqualTo(1);
        assertThat(fb.getErrorLine()).as("line numbers stay as written").isEqualTo(6);
    }

    @Test
    void callBasedComparesLikeApps() {
        Problem p = call("t/call", "findPair", List.of("[[1, 2, 3], 5]", "[[4, 4], 8]"), List.of("[[2, 3]]", "[4, 4]"));
        Feedback pass = grade(p, "class Solution:\n    def findPair(self, nums: List[int], target: int) -> List[int]:\n"
                + "        seen = {}\n        for n in nums:\n            if target - n in seen:\n"
                + "                return (target - n, n)\n            seen[n] = True\n");
        assertThat(pass.getOutcome()).isEqualTo(Outcome.PASS);
        Feedback plain = grade(p, "def findPair(nums, target):\n    return [target - nums[-1], nums[-1]]\n");
        assertThat(plain.getOutcome()).isEqualTo(Outcome.PASS);
        Feedback wrong = grade(p, "def findPair(nums, target):\n    return {1, 2}\n");
        assertThat(wrong.getOutcome()).isEqualTo(Outcome.FAILURE);
        Feedback object = grade(p, "class Eq:\n    def __eq__(self, other):\n        return True\n"
                + "def findPair(nums, target):\n    return Eq()\n");
        assertThat(object.getOutcome()).as("a return value that claims equality with anything is not trusted")
                .isEqualTo(Outcome.FAILURE);
        Problem dicts = call("t/dict", "count", List.of("[[1, 1, 2]]"), List.of("[{\"1\": 2, \"2\": 1}]"));
        assertThat(grade(dicts, "def count(xs):\n    from collections import Counter\n    return dict(Counter(xs))\n")
                .getOutcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void brokenTestCodeIsTheGradersFailure() {
        Problem p = asserts("t/broken", "", "", "assert f(1) ==");
        Feedback fb = grade(p, "def f(x):\n    return x\n");
        assertThat(fb.getOutcome()).isEqualTo(Outcome.SANDBOX_ERROR);
        assertThat(fb.getErrorMessage()).contains("does not compile");
        assertThat(grade(ADD_ONE, "def f(x):\n    return x + 1\n").getOutcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void deterministicRandomness() {
        Problem p = stdio("t/random", List.of("", ""), List.of("x", "x"));
        Feedback a = grade(p, "import random\nprint(random.random())\n");
        Feedback b = grade(p, "import random\nprint(random.random())\n");
        assertThat(a.getTests().get(0).getMessage()).isEqualTo(a.getTests().get(1).getMessage())
                .isEqualTo(b.getTests().get(0).getMessage());
    }
}
