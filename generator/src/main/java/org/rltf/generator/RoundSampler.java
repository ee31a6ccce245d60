package org.rltf.generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.kernel.Seeds;
import org.rltf.policy.Completion;
import org.rltf.policy.Policy;
import org.rltf.policy.SamplingParams;

/**
 * One round's samples as events (RLTF-METHOD.md section 5): for each problem of the round, one greedy program
 * (temperature 0, the baseline of section 4) and k programs at the configured temperature / top-p, in that order,
 * each with its prompt and completion tokens, per-token character offsets and log-probs, the policy version, and
 * the seed of the sampler row that drew it.
 *
 * <p>Seeds depend on what is drawn, not on when ({@link Seeds}): the run seed, the generator id, the version, the
 * round and the batch. Row i of a batch draws from a generator seeded (batch seed + i), so each sample records its
 * own row's seed.
 */
final class RoundSampler {
    /**
     * Keeps a batch seed below 2^46, so that adding a row index (at most batch.problems * k, below 2^24) neither
     * overflows nor leaves {@link Seeds#MAX_RECORDED}.
     */
    private static final long BATCH_SEED_MASK = 0x3fff_ffff_ffffL;

    private final String run;
    private final String generatorId;
    private final long runSeed;
    private final int k;
    private final float temperature;
    private final float topP;
    private final int maxNewTokens;
    private final List<String> stopStrings;

    RoundSampler(GeneratorConfig config) {
        this.run = config.run();
        this.generatorId = config.generatorId();
        this.runSeed = config.seed();
        this.k = config.samplesPerProblem();
        this.temperature = config.temperature();
        this.topP = config.topP();
        this.maxNewTokens = config.maxNewTokens();
        this.stopStrings = config.stopStrings();
    }

    /** Samples per problem and round: the greedy one and k. */
    int samplesPerProblem() { return k + 1; }

    /** Round {@code round} of {@code version} for {@code problems}: per problem, its greedy sample, then its k. */
    List<Sample> sample(Policy policy, long version, long round, List<Problem> problems) {
        int keep = policy.config().context() - maxNewTokens;
        List<int[]> prompts = new ArrayList<>(problems.size());
        for (Problem p : problems) prompts.add(lastTokens(policy.tokenizer().encode(p.getPrompt()), keep));
        List<int[]> repeated = new ArrayList<>(problems.size() * k);
        for (int[] prompt : prompts) for (int j = 0; j < k; j++) repeated.add(prompt);

        long greedySeed = batchSeed(version, round, 0);
        long sampledSeed = batchSeed(version, round, 1);
        List<Completion> greedy = policy.sample(prompts,
                new SamplingParams(0f, 1f, maxNewTokens, stopStrings, greedySeed));
        List<Completion> sampled = policy.sample(repeated,
                new SamplingParams(temperature, topP, maxNewTokens, stopStrings, sampledSeed));

        List<Sample> samples = new ArrayList<>(problems.size() * (k + 1));
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            Sample.Builder g = event(p, version, prompts.get(i), greedy.get(i));
            samples.add(g.setSampleId(SampleIds.format(p.getId(), version, generatorId, round, SampleIds.GREEDY))
                    .setTemperature(0f).setTopP(1f).setSeed(greedySeed + i).setGreedy(true).build());
            for (int j = 0; j < k; j++) {
                int row = i * k + j;
                Sample.Builder s = event(p, version, prompts.get(i), sampled.get(row));
                samples.add(s.setSampleId(SampleIds.format(p.getId(), version, generatorId, round, Integer.toString(j)))
                        .setTemperature(temperature).setTopP(topP).setSeed(sampledSeed + row).setGreedy(false).build());
            }
        }
        return samples;
    }

    /** Seed of one batch of a round: a hash of the run seed, generator, version, round and batch. */
    long batchSeed(long version, long round, int batch) {
        long h = runSeed;
        h = Seeds.mix(h ^ generatorId.hashCode());
        h = Seeds.mix(h ^ version);
        h = Seeds.mix(h ^ round);
        h = Seeds.mix(h ^ batch);
        return h & BATCH_SEED_MASK;
    }

    /** The last {@code keep} ids: a prompt longer than the context minus the completion loses its beginning. */
    static int[] lastTokens(int[] ids, int keep) {
        return ids.length <= keep ? ids : Arrays.copyOfRange(ids, ids.length - keep, ids.length);
    }

    private Sample.Builder event(Problem p, long version, int[] prompt, Completion c) {
        return Sample.newBuilder()
                .setRun(run)
                .setProblemId(p.getId())
                .setPolicyVersion(version)
                .setCompletion(c.text())
                .setPromptTokenIds(boxed(prompt))
                .setTokenIds(boxed(c.tokenIds()))
                .setTokenStarts(boxed(c.tokenStarts()))
                .setTokenEnds(boxed(c.tokenEnds()))
                .setLogProbs(boxed(c.logProbs()))
                .setFinishReason(c.finishReason())
                .setGeneratorId(generatorId);
    }

    private static List<Integer> boxed(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) l.add(v);
        return l;
    }

    private static List<Float> boxed(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float v : a) l.add(v);
        return l;
    }
}
