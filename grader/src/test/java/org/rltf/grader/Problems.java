package org.rltf.grader;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestSuite;

/** Small hand-written problems and samples for grader tests. */
final class Problems {
    private static final AtomicLong SAMPLES = new AtomicLong();

    private Problems() {
    }

    static Problem asserts(String id, String prefix, String setup, String... asserts) {
        return problem(id, prefix, TestSuite.newBuilder().setKind(TestKind.ASSERT).setInputs(List.of()).setOutputs(List.of())
                .setFnName(null).setSetupCode(setup).setAsserts(List.of(asserts)).setEntryPoint(null).build(), 4000);
    }

    static Problem stdio(String id, List<String> inputs, List<String> outputs) {
        return problem(id, "", TestSuite.newBuilder().setKind(TestKind.STDIO).setInputs(inputs).setOutputs(outputs)
                .setFnName(null).setSetupCode("").setAsserts(List.of()).setEntryPoint(null).build(), 4000);
    }

    static Problem call(String id, String fn, List<String> inputs, List<String> outputs) {
        return problem(id, "", TestSuite.newBuilder().setKind(TestKind.CALL_BASED).setInputs(inputs).setOutputs(outputs)
                .setFnName(fn).setSetupCode("").setAsserts(List.of()).setEntryPoint(null).build(), 4000);
    }

    static Problem problem(String id, String prefix, TestSuite tests, int timeLimitMs) {
        return Problem.newBuilder().setRun("test").setId(id).setDataset("handmade").setSplit("test").setDifficulty("")
                .setPrompt(prefix).setCodePrefix(prefix).setTests(tests).setReferenceSolutions(List.of())
                .setTimeLimitMs(timeLimitMs).build();
    }

    static Problem withTimeLimit(Problem p, int ms) {
        return Problem.newBuilder(p).setTimeLimitMs(ms).build();
    }

    static Sample sample(Problem problem, String completion) {
        long n = SAMPLES.incrementAndGet();
        return Sample.newBuilder().setRun("test").setSampleId(problem.getId() + "@v0/0/" + n).setProblemId(problem.getId())
                .setPolicyVersion(7).setCompletion(completion).setPromptTokenIds(List.of()).setTokenIds(List.of())
                .setTokenStarts(List.of()).setTokenEnds(List.of()).setLogProbs(List.of()).setTemperature(1.0f)
                .setTopP(0.95f).setSeed(n).setGreedy(false).setFinishReason("eos").setGeneratorId("test").build();
    }
}
