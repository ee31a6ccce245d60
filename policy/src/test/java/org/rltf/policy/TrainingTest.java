package org.rltf.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TrainingTest {
    static { TestModels.micro(); }

    private static final List<SftExample> EXAMPLES = List.of(
            new SftExample("a", "# add\n", "def add(a, b):\n    return a + b\n"),
            new SftExample("b", "# sub\n", "def sub(a, b):\n    return a - b\n"),
            new SftExample("c", "# neg\n", "def neg(a):\n    return -a\n"),
            new SftExample("d", "# one\n", "def one():\n    return 1\n"));

    private static Sft.Options options(int steps, long seed) {
        TrainerConfig tc = new TrainerConfig(3e-3, 0.01, 0.9, 0.95, 1e-8, 10, 1.0, seed);
        return new Sft.Options(steps, 4, 2, tc, seed, 0);
    }

    @Test
    void trainingIsDeterministic(@TempDir Path tmp) {
        String[] digests = new String[3];
        long[] seeds = {7, 7, 8};
        for (int run = 0; run < 3; run++) {
            try (Policy p = TestModels.microPolicy(1)) {
                Sft.run(EXAMPLES, p, options(8, seeds[run]));
                digests[run] = p.save(tmp.resolve("run" + run)).sha256();
            }
        }
        assertThat(digests[1]).isEqualTo(digests[0]);
        assertThat(digests[2]).isNotEqualTo(digests[0]);
    }

    @Test
    void overfitsAHandfulOfExamples() {
        try (Policy p = TestModels.microPolicy(3)) {
            TrainerConfig tc = new TrainerConfig(1e-2, 0.0, 0.9, 0.95, 1e-8, 10, 1.0, 1);
            Sft.Result r = Sft.run(EXAMPLES, p, new Sft.Options(200, 4, 4, tc, 1, 0));
            assertThat(r.losses().get(0)).isGreaterThan(4.0);
            assertThat(r.finalLoss()).isLessThan(0.01);
            for (SftExample e : EXAMPLES) {
                Completion c = p.sample(List.of(p.tokenizer().encode(e.prompt())), TestModels.greedy(50)).get(0);
                assertThat(c.text()).isEqualTo(e.completion());
                assertThat(c.finishReason()).isEqualTo(Completion.EOS);
                assertThat(c.tokenIds()[c.tokenIds().length - 1]).isEqualTo(p.tokenizer().eosId());
                assertThat(c.tokenStarts()[c.tokenIds().length - 1]).isEqualTo(c.text().length());
            }
        }
    }

    @Test
    void resumingFromSavedStateMatchesUninterruptedTraining(@TempDir Path tmp) {
        Sft.Options first = options(3, 1);
        Sft.Options second = new Sft.Options(2, 4, 4, first.trainer(), 99, 0);
        String uninterrupted;
        try (Policy p = TestModels.microPolicy(1); PolicyTrainer t = new PolicyTrainer(p, first.trainer())) {
            Sft.run(EXAMPLES, t, p.tokenizer(), p.config().context(), first);
            t.saveCheckpoint(tmp.resolve("mid"));
            Sft.run(EXAMPLES, t, p.tokenizer(), p.config().context(), second);
            assertThat(t.stepCount()).isEqualTo(5);
            uninterrupted = p.save(tmp.resolve("a")).sha256();
        }
        try (Policy p = Policy.load(tmp.resolve("mid")); PolicyTrainer t = new PolicyTrainer(p, first.trainer())) {
            t.loadState(tmp.resolve("mid"));
            assertThat(t.stepCount()).isEqualTo(3);
            Sft.run(EXAMPLES, t, p.tokenizer(), p.config().context(), second);
            assertThat(p.save(tmp.resolve("b")).sha256()).isEqualTo(uninterrupted);
        }
    }

    @Test
    void gradientsAccumulateAcrossCalls() {
        TokenSequence a = new TokenSequence(new int[] {1, 2, 3}, new int[] {4, 5}, new float[] {0.5f, 0.25f});
        TokenSequence b = new TokenSequence(new int[] {9}, new int[] {8, 7, 6}, new float[] {1f, -1f, 0.5f});
        float[][] split;
        float[][] joint;
        double lossSplit;
        double lossJoint;
        TrainerConfig tc = TestModels.noWarmup(1e-2);
        try (Policy p = TestModels.microPolicy(4); PolicyTrainer t = new PolicyTrainer(p, tc)) {
            lossSplit = t.accumulate(List.of(a)) + t.accumulate(List.of(b));
            t.step();
            split = TestModels.logits(p, new int[] {1, 2, 3, 4});
        }
        try (Policy p = TestModels.microPolicy(4); PolicyTrainer t = new PolicyTrainer(p, tc)) {
            lossJoint = t.accumulate(List.of(a, b));
            t.step();
            joint = TestModels.logits(p, new int[] {1, 2, 3, 4});
        }
        assertThat(lossSplit).isCloseTo(lossJoint, within(1e-4));
        for (int i = 0; i < split.length; i++) for (int j = 0; j < split[i].length; j++) assertThat(split[i][j]).isCloseTo(joint[i][j], within(1e-4f));
    }

    @Test
    void lossIsTheWeightedNegativeLogLikelihood() {
        try (Policy p = TestModels.microPolicy(6); PolicyTrainer t = new PolicyTrainer(p, TrainerConfig.defaults())) {
            TokenSequence s = new TokenSequence(new int[] {10, 11}, new int[] {12, 13, 14}, new float[] {1f, 2f, 0f});
            float[] lp = t.logProbs(List.of(s))[0];
            double loss = t.accumulate(List.of(s));
            assertThat(loss).isCloseTo(-(lp[0] + 2 * lp[1]), within(1e-4));
            t.zeroGradients();
        }
    }
}
