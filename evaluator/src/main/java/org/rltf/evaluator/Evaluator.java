package org.rltf.evaluator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.grader.Grader;
import org.rltf.kernel.Seeds;
import org.rltf.policy.Completion;
import org.rltf.policy.Policy;
import org.rltf.policy.SamplingParams;

/**
 * Evaluates a policy on problems (RLTF-METHOD.md section 6): per problem one greedy program and {@code n} sampled
 * ones, each graded against all of the problem's tests by the same {@link Grader} that grades training samples. The
 * programs are never published: evaluation samples cannot reach the training buffer.
 *
 * <p>Sampling and grading overlap: a batch's programs are handed to the grader's own threads while the next batch
 * is sampled. Each batch's seed derives from the settings' seed and the batch's first row, so the programs depend
 * on the settings and the problems, not on timing or batch scheduling.
 */
public final class Evaluator {
    private final Grader grader;

    public Evaluator(Grader grader) {
        this.grader = grader;
    }

    /**
     * Evaluates {@code policy} on {@code problems}; {@code progress} is told how many programs have been sampled
     * so far (of {@code problems.size() * (settings.n() + 1)}).
     */
    public EvalReport evaluate(Policy policy, List<Problem> problems, String dataset, String split,
                               EvalSettings settings, IntConsumer progress) {
        long start = System.nanoTime();
        int keep = policy.config().context() - settings.maxNewTokens();
        if (keep < 1)
            throw new IllegalArgumentException("max new tokens " + settings.maxNewTokens() + " leave no room for a "
                    + "prompt in the model's context of " + policy.config().context());
        // Rows: per problem, the greedy program first (index -1), then n samples.
        List<Row> greedyRows = new ArrayList<>();
        List<Row> sampledRows = new ArrayList<>();
        for (Problem p : problems) {
            int[] prompt = lastTokens(policy.tokenizer().encode(p.getPrompt()), keep);
            greedyRows.add(new Row(p, prompt, -1));
            for (int i = 0; i < settings.n(); i++) sampledRows.add(new Row(p, prompt, i));
        }
        List<CompletableFuture<EvalReport.ProgramResult>> graded = new ArrayList<>();
        int[] done = {0};
        sampleAndGrade(policy, greedyRows, settings, true, graded, done, progress);
        sampleAndGrade(policy, sampledRows, settings, false, graded, done, progress);
        List<EvalReport.ProgramResult> results = new ArrayList<>(graded.size());
        for (CompletableFuture<EvalReport.ProgramResult> f : graded) results.add(f.join());
        return new EvalReport(dataset, split, settings, results, (System.nanoTime() - start) / 1e9);
    }

    private record Row(Problem problem, int[] prompt, int index) {}

    private void sampleAndGrade(Policy policy, List<Row> rows, EvalSettings settings, boolean greedy,
                                List<CompletableFuture<EvalReport.ProgramResult>> graded, int[] done, IntConsumer progress) {
        for (int from = 0; from < rows.size(); from += settings.batchRows()) {
            List<Row> batch = rows.subList(from, Math.min(rows.size(), from + settings.batchRows()));
            List<int[]> prompts = batch.stream().map(Row::prompt).toList();
            long seed = (Seeds.mix(settings.seed() ^ Seeds.mix(from)) & Seeds.MAX_RECORDED) >>> 1;
            SamplingParams params = greedy
                    ? new SamplingParams(0f, 1f, settings.maxNewTokens(), settings.stopStrings(), seed)
                    : new SamplingParams(settings.temperature(), settings.topP(), settings.maxNewTokens(),
                    settings.stopStrings(), seed);
            List<Completion> completions = policy.sample(prompts, params);
            for (int i = 0; i < batch.size(); i++) {
                Row row = batch.get(i);
                Completion c = completions.get(i);
                Sample sample = sample(row, c, params, seed + i);
                graded.add(grader.gradeAsync(row.problem(), sample).thenApply(f -> result(row, c, f)));
            }
            done[0] += batch.size();
            progress.accept(done[0]);
        }
    }

    private static Sample sample(Row row, Completion c, SamplingParams params, long seed) {
        return Sample.newBuilder()
                .setRun("eval")
                .setSampleId("eval/" + row.problem().getId() + "/" + row.index())
                .setProblemId(row.problem().getId())
                .setPolicyVersion(-1)
                .setCompletion(c.text())
                .setPromptTokenIds(List.of())
                .setTokenIds(List.of())
                .setTokenStarts(List.of())
                .setTokenEnds(List.of())
                .setLogProbs(List.of())
                .setTemperature(params.temperature())
                .setTopP(params.topP())
                .setSeed(seed)
                .setGreedy(row.index() < 0)
                .setFinishReason(c.finishReason())
                .setGeneratorId("evaluator")
                .build();
    }

    private static EvalReport.ProgramResult result(Row row, Completion c, Feedback f) {
        return new EvalReport.ProgramResult(row.problem().getId(), row.problem().getDifficulty(), row.index(), c.text(),
                f.getOutcome(), f.getPassed(), f.getTotal(), f.getErrorClass(), f.getErrorLine(), row.problem().getTags());
    }

    static int[] lastTokens(int[] ids, int keep) {
        return ids.length <= keep ? ids : Arrays.copyOfRange(ids, ids.length - keep, ids.length);
    }
}
