package org.rltf.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.rltf.events.Checkpoint;
import org.rltf.events.DeadLetter;
import org.rltf.events.ErrorCategory;
import org.rltf.events.Evaluation;
import org.rltf.events.Experience;
import org.rltf.events.Feedback;
import org.rltf.events.LearnerStep;
import org.rltf.events.Outcome;
import org.rltf.events.PassAtK;
import org.rltf.events.Problem;
import org.rltf.events.ReferenceSolution;
import org.rltf.events.Sample;
import org.rltf.events.TestKind;
import org.rltf.events.TestResult;
import org.rltf.events.TestStatus;
import org.rltf.events.TestSuite;

/** One realistic instance of every event type, as the services would write them. */
final class Events {
    private Events() {
    }

    static Problem problem(String run) {
        return Problem.newBuilder().setRun(run).setId("mbpp/11").setDataset("mbpp").setSplit("train")
                .setPrompt("Write a python function to remove first and last occurrence of a given character from the string.")
                .setTests(TestSuite.newBuilder().setKind(TestKind.ASSERT)
                        .setAsserts(List.of("assert remove_Occ(\"hello\",\"l\") == \"heo\"",
                                "assert remove_Occ(\"abcda\",\"a\") == \"bcd\"",
                                "assert remove_Occ(\"PHP\",\"P\") == \"H\""))
                        .setEntryPoint("remove_Occ").build())
                .setReferenceSolutions(List.of(ReferenceSolution.newBuilder().setId("mbpp/11#0")
                        .setCode("def remove_Occ(s,ch):\n    s = s.replace(ch, '', 1)\n    return s[::-1].replace(ch, '', 1)[::-1]\n").build()))
                .setTimeLimitMs(4000)
                .build();
    }

    static Problem appsProblem(String run) {
        return Problem.newBuilder().setRun(run).setId("apps/0001").setDataset("apps").setSplit("test")
                .setDifficulty("interview").setPrompt("Read n and print n squared.\n\n-----Input-----\nn\n")
                .setTests(TestSuite.newBuilder().setKind(TestKind.STDIO).setInputs(List.of("3\n", "10\n"))
                        .setOutputs(List.of("9\n", "100\n")).build())
                .build();
    }

    static Sample sample(String run) {
        String completion = "def remove_Occ(s,ch):\n    return s.strip(ch)\n";
        return Sample.newBuilder().setRun(run).setSampleId("mbpp/11@v3/0/5").setProblemId("mbpp/11").setPolicyVersion(3)
                .setCompletion(completion).setPromptTokenIds(List.of(101, 2023, 4, 88))
                .setTokenIds(List.of(11, 12, 13, 14)).setTokenStarts(List.of(0, 4, 15, 28))
                .setTokenEnds(List.of(4, 15, 28, completion.length())).setLogProbs(List.of(-0.01f, -1.5f, -0.25f, -3.0f))
                .setTemperature(1.0f).setTopP(0.95f).setSeed(1234567890123L).setGreedy(false).setFinishReason("stop")
                .setGeneratorId("generator-0").build();
    }

    static Feedback feedback(String run) {
        return Feedback.newBuilder().setRun(run).setSampleId("mbpp/11@v3/0/5").setProblemId("mbpp/11").setPolicyVersion(3)
                .setOutcome(Outcome.FAILURE).setPassed(1).setTotal(3)
                .setTests(List.of(
                        TestResult.newBuilder().setIndex(0).setStatus(TestStatus.WRONG_ANSWER).setTimeMs(12).setMemoryKb(9120)
                                .setMessage("expected 'heo', got 'hello'").build(),
                        TestResult.newBuilder().setIndex(1).setStatus(TestStatus.PASSED).setTimeMs(11).build(),
                        TestResult.newBuilder().setIndex(2).setStatus(TestStatus.ERROR).setErrorClass("NameError")
                                .setMessage("name 'x' is not defined").build()))
                .setErrorClass("AssertionError").setErrorMessage("assert remove_Occ(\"hello\",\"l\") == \"heo\"").setErrorLine(2)
                .setErrorCategory(ErrorCategory.NONE).setErrorSpanStart(22).setErrorSpanEnd(44)
                .setGraderId("grader-1").setGradeTimeMs(57).build();
    }

    static Experience experience(String run) {
        return Experience.newBuilder().setRun(run).setSampleId("mbpp/11@v3/0/5").setProblemId("mbpp/11").setPolicyVersion(3)
                .setPromptTokenIds(List.of(101, 2023, 4, 88)).setTokenIds(List.of(11, 12, 13, 14))
                .setLogProbs(List.of(-0.01f, -1.5f, -0.25f, -3.0f)).setOutcome(Outcome.RUNTIME_ERROR)
                .setErrorCategory(ErrorCategory.U_LINE).setPassed(0).setTotal(3).setRewardCoarse(-0.6f)
                .setRewardAdaptive(null).setReward(-0.6f).setBaseline(-0.3f).setBaselineMode("greedy")
                .setFineReward(-0.3f).setFineStartToken(2).setFineEndToken(3).setAlpha(2.0f).build();
    }

    static Checkpoint checkpoint(String run) {
        return Checkpoint.newBuilder().setRun(run).setVersion(4).setStep(400).setUri("file:///var/rltf/ckpt/" + run + "/v4")
                .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").setSizeBytes(27_262_976L)
                .setModelConfig("{\"n_layer\":6,\"n_embd\":256,\"n_head\":8,\"vocab_size\":32000}")
                .setMetrics(Map.of("loss", 1.25, "mean_reward", -0.12)).build();
    }

    static LearnerStep learnerStep(String run) {
        return LearnerStep.newBuilder().setRun(run).setStep(400).setPolicyVersion(3).setCheckpointVersion(4L).setSeed(400_017L)
                .setSampleIds(List.of("mbpp/11@v3/0/5", "mbpp/12@v3/0/1")).setReferenceIds(List.of("mbpp/11#0"))
                .setLoss(1.25).setLossRl(0.5).setLossSl(0.75).setGradNorm(3.2).setLr(2e-5).setMeanReward(-0.12)
                .setMeanPolicyLag(0.5).setRlTokens(812).setSlTokens(640)
                .setTimingsMs(Map.of("forward", 120.5, "backward", 240.25, "optimizer", 8.0)).build();
    }

    static Evaluation evaluation(String run) {
        return Evaluation.newBuilder().setRun(run).setPolicyVersion(4).setDataset("apps/test").setN(5).setTemperature(0.6f)
                .setResults(List.of(
                        PassAtK.newBuilder().setK(1).setDifficulty("all").setProblems(500).setValue(0.0324).build(),
                        PassAtK.newBuilder().setK(5).setDifficulty("introductory").setProblems(100).setValue(0.1).build()))
                .build();
    }

    static DeadLetter deadLetter(String run) {
        return DeadLetter.newBuilder().setRun(run).setTopic("rltf." + run + ".samples").setPartition(2).setOffset(41)
                .setKey(ByteBuffer.wrap("mbpp/11@v3/0/5".getBytes(StandardCharsets.UTF_8)))
                .setValue(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 7, 42}))
                .setReason("Record on rltf." + run + ".samples is not in the Confluent wire format: magic byte 0x01, expected 0x00")
                .setErrorClass("org.rltf.schemas.serde.WrongMagicByteException").setService("grader-1").build();
    }
}
