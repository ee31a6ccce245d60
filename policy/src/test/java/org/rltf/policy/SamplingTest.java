package org.rltf.policy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplingTest {
    private static Policy policy;

    @BeforeAll
    static void create() {
        policy = TestModels.microPolicy(42);
    }

    @AfterAll
    static void close() {
        policy.close();
    }

    private static List<int[]> prompts() {
        Tokenizer t = policy.tokenizer();
        int[] long1 = new int[80]; // longer than context - maxNewTokens: left-truncated
        for (int i = 0; i < long1.length; i++) long1[i] = 'a' + i % 26;
        return List.of(t.encode("def f(x):"), t.encode("a"), new int[0], t.encode("print('hello world')"), long1);
    }

    @Test
    void kvCacheSamplingEqualsFullRecomputation() {
        for (SamplingParams params : List.of(new SamplingParams(1f, 0.9f, 24, List.of(), 11), new SamplingParams(0.7f, 1f, 24, List.of(), 5),
                TestModels.greedy(24))) {
            List<int[]> prompts = prompts();
            List<Completion> got = policy.sample(prompts, params);
            for (int i = 0; i < prompts.size(); i++) {
                Reference ref = reference(prompts.get(i), params, params.seed() + i, Set.of());
                Completion c = got.get(i);
                assertThat(c.tokenIds()).as("row %d tokens, %s", i, params).containsExactly(ref.tokens);
                for (int k = 0; k < ref.tokens.length; k++) assertThat(c.logProbs()[k]).isCloseTo(ref.logProbs[k], within(1e-4f));
                boolean eos = ref.tokens[ref.tokens.length - 1] == policy.tokenizer().eosId();
                assertThat(c.finishReason()).isEqualTo(eos ? Completion.EOS : Completion.LENGTH);
                assertThat(c.text()).isEqualTo(policy.tokenizer().decode(c.tokenIds()).text());
            }
        }
    }

    @Test
    void rowsDoNotDependOnBatchComposition() {
        List<int[]> prompts = prompts();
        SamplingParams params = new SamplingParams(1f, 0.95f, 20, List.of(), 100);
        List<Completion> batch = policy.sample(prompts, params);
        for (int i = 0; i < prompts.size(); i++) {
            SamplingParams alone = new SamplingParams(1f, 0.95f, 20, List.of(), 100 + i);
            Completion c = policy.sample(List.of(prompts.get(i)), alone).get(0);
            assertThat(c.tokenIds()).containsExactly(batch.get(i).tokenIds());
            for (int k = 0; k < c.logProbs().length; k++) assertThat(c.logProbs()[k]).isCloseTo(batch.get(i).logProbs()[k], within(1e-4f));
        }
    }

    @Test
    void sampledLogProbsEqualTrainerLogProbs() {
        List<int[]> prompts = prompts();
        List<Completion> got = policy.sample(prompts, new SamplingParams(1f, 1f, 24, List.of(), 3));
        List<TokenSequence> seqs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) seqs.add(TokenSequence.of(prompts.get(i), got.get(i).tokenIds()));
        try (PolicyTrainer trainer = new PolicyTrainer(policy, TrainerConfig.defaults())) {
            float[][] lp = trainer.logProbs(seqs);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(lp[i]).hasSize(got.get(i).logProbs().length);
                for (int k = 0; k < lp[i].length; k++) assertThat(lp[i][k]).as("row %d token %d", i, k).isCloseTo(got.get(i).logProbs()[k], within(1e-4f));
            }
        }
    }

    @Test
    void stopStringCutsTextAndTokens() {
        int[] prompt = policy.tokenizer().encode("x = ");
        Completion free = policy.sample(List.of(prompt), TestModels.greedy(30)).get(0);
        String stop = free.text().substring(10, 12);
        int cut = free.text().indexOf(stop);
        Completion stopped = policy.sample(List.of(prompt), new SamplingParams(0f, 1f, 30, List.of("\u0001never", stop), 0)).get(0);
        assertThat(stopped.finishReason()).isEqualTo(Completion.STOP);
        assertThat(stopped.text()).isEqualTo(free.text().substring(0, cut));
        int n = stopped.tokenIds().length;
        assertThat(stopped.tokenIds()).containsExactly(Arrays.copyOf(free.tokenIds(), n));
        assertThat(stopped.logProbs()).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(stopped.tokenEnds()[i]).isLessThanOrEqualTo(cut);
        assertThat(stopped.tokenStarts()[n - 1]).isLessThan(cut);
    }

    @Test
    void suppressedTokensAreNeverChosen() {
        int eos = policy.tokenizer().eosId();
        Set<Integer> banned = Set.of(eos, (int) 'a', (int) 'b');
        List<Completion> got = policy.sample(prompts(), new SamplingParams(2f, 1f, 40, List.of(), 9), banned);
        for (Completion c : got) {
            assertThat(c.tokenIds()).hasSize(40).doesNotContain(eos, (int) 'a', (int) 'b');
            Reference ref = reference(prompts().get(got.indexOf(c)), new SamplingParams(2f, 1f, 40, List.of(), 9), 9 + got.indexOf(c), banned);
            assertThat(c.tokenIds()).containsExactly(ref.tokens);
        }
    }

    @Test
    void doesNotLeakNativeArrays() {
        long before = policy.model().manager().getManagedArrays().size();
        policy.sample(prompts(), new SamplingParams(1f, 0.9f, 10, List.of("zz"), 1));
        try (PolicyTrainer trainer = new PolicyTrainer(policy, TrainerConfig.defaults())) {
            long withTrainer = policy.model().manager().getManagedArrays().size();
            trainer.accumulate(List.of(TokenSequence.of(new int[] {1, 2}, new int[] {3, 4})));
            trainer.step();
            trainer.logProbs(List.of(TokenSequence.of(new int[] {1, 2}, new int[] {3, 4})));
            assertThat(policy.model().manager().getManagedArrays()).hasSize((int) withTrainer);
        }
        assertThat(policy.model().manager().getManagedArrays()).hasSize((int) before);
    }

    private record Reference(int[] tokens, float[] logProbs) {}

    /** One row, no cache: the whole sequence is recomputed for every token. */
    private static Reference reference(int[] prompt, SamplingParams p, long seed, Set<Integer> suppressed) {
        int ctx = policy.config().context();
        int[] ids = prompt.length == 0 ? new int[] {policy.tokenizer().eosId()} : prompt;
        if (ids.length > ctx - p.maxNewTokens()) ids = Arrays.copyOfRange(ids, ids.length - (ctx - p.maxNewTokens()), ids.length);
        int v = policy.config().vocabSize();
        boolean[] allowed = new boolean[v];
        for (int i = 0; i < v; i++) allowed[i] = !suppressed.contains(i);
        SplittableRandom rng = new SplittableRandom(seed);
        int[] tokens = new int[p.maxNewTokens()];
        float[] lps = new float[p.maxNewTokens()];
        for (int t = 0; t < p.maxNewTokens(); t++) {
            float[][] logits = TestModels.logits(policy, ids);
            float[] last = logits[logits.length - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float x : last) max = Math.max(max, x);
            double sum = 0;
            for (float x : last) sum += Math.exp(x - max);
            float[] logp = new float[v];
            for (int i = 0; i < v; i++) logp[i] = (float) (last[i] - max - Math.log(sum));
            int tok = Sampler.choose(logp, 0, allowed, p, rng);
            tokens[t] = tok;
            lps[t] = logp[tok];
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = tok;
            if (tok == policy.tokenizer().eosId()) return new Reference(Arrays.copyOf(tokens, t + 1), Arrays.copyOf(lps, t + 1));
        }
        return new Reference(tokens, lps);
    }
}
