package org.rltf.streams;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.rltf.events.ErrorCategory;
import org.rltf.events.Feedback;
import org.rltf.events.Outcome;
import org.rltf.events.Sample;

/** Hand-made events for the tests. */
final class Events {
    private Events() {}

    /**
     * A completion split into the given token texts; token_starts/ends are the real character offsets of those
     * pieces, as the generator records them.
     */
    static Sample sample(String run, String id, String problem, long version, boolean greedy, String... tokens) {
        List<Integer> ids = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Float> logProbs = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            starts.add(text.length());
            text.append(tokens[i]);
            ends.add(text.length());
            ids.add(100 + i);
            logProbs.add(-0.5f);
        }
        return Sample.newBuilder()
                .setRun(run).setSampleId(id).setProblemId(problem).setPolicyVersion(version)
                .setCompletion(text.toString()).setPromptTokenIds(List.of(1, 2, 3)).setTokenIds(ids)
                .setTokenStarts(starts).setTokenEnds(ends).setLogProbs(logProbs)
                .setTemperature(greedy ? 0f : 1f).setSeed(7).setGreedy(greedy).setGeneratorId("test-generator")
                .build();
    }

    /** A sample of {@code n} one-character tokens. */
    static Sample sample(String run, String id, String problem, long version, boolean greedy, int n) {
        return sample(run, id, problem, version, greedy, Collections.nCopies(n, "x").toArray(String[]::new));
    }

    static Feedback feedback(Sample s, Outcome outcome, int passed, int total) {
        return feedback(s, outcome, passed, total, ErrorCategory.NONE, null, null);
    }

    static Feedback feedback(Sample s, Outcome outcome, int passed, int total, ErrorCategory category,
                             Integer spanStart, Integer spanEnd) {
        return Feedback.newBuilder()
                .setRun(s.getRun()).setSampleId(s.getSampleId()).setProblemId(s.getProblemId())
                .setPolicyVersion(s.getPolicyVersion()).setOutcome(outcome).setPassed(passed).setTotal(total)
                .setErrorCategory(category).setErrorSpanStart(spanStart).setErrorSpanEnd(spanEnd)
                .setErrorClass(outcome == Outcome.PASS || outcome == Outcome.FAILURE ? null : "NameError")
                .setGraderId("test-grader")
                .build();
    }
}
