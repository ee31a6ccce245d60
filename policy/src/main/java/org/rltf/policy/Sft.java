package org.rltf.policy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Supervised warm-up: token cross-entropy on reference completions, i.e. {@link PolicyTrainer#accumulate}
 * with weight 1/N on each completion token (N = completion tokens in the optimizer step's batch) and
 * the prompt masked out. Examples are tokenised and weighted by {@link ReferenceExamples}, as the learner's
 * supervised term is. Examples are drawn without replacement from a seeded shuffle, reshuffled
 * each epoch; on the CPU two runs with the same seed, data and thread count give identical weights.
 */
public final class Sft {
    private static final Logger LOG = LoggerFactory.getLogger(Sft.class);

    static { PolicyRuntime.configureOffline(); }

    private Sft() {}

    /**
     * @param steps          optimizer steps
     * @param batchSize      examples per optimizer step
     * @param microBatchSize examples per forward/backward pass (gradients are accumulated); bounds memory
     * @param trainer        AdamW settings
     * @param seed           shuffling seed
     * @param logEvery       log the loss every this many steps (0 = never)
     */
    public record Options(int steps, int batchSize, int microBatchSize, TrainerConfig trainer, long seed, int logEvery) {
        public Options {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            if (microBatchSize < 1) throw new IllegalArgumentException("microBatchSize must be >= 1, got " + microBatchSize);
        }
    }

    /** Mean per-token loss of each step, and totals. */
    public record Result(List<Double> losses, long steps, long completionTokens, double seconds) {
        public double finalLoss() { return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1); }

        public double tokensPerSecond() { return seconds > 0 ? completionTokens / seconds : Double.NaN; }
    }

    /** Told after each optimizer step, on the training thread (progress display). */
    @FunctionalInterface
    public interface StepListener {
        StepListener NONE = (step, loss) -> {};

        void onStep(long step, double loss);
    }

    /** Trains {@code policy} in place with a trainer of its own (closed at the end). */
    public static Result run(List<SftExample> examples, Policy policy, Options options) {
        return run(examples, policy, options, StepListener.NONE);
    }

    /** As {@link #run(List, Policy, Options)}, telling {@code listener} of each step. */
    public static Result run(List<SftExample> examples, Policy policy, Options options, StepListener listener) {
        try (PolicyTrainer trainer = new PolicyTrainer(policy, options.trainer())) {
            return run(examples, trainer, policy.tokenizer(), policy.config().context(), options, listener);
        }
    }

    /** Trains with an existing trainer (a learner's, whose optimizer state carries on afterwards). */
    public static Result run(List<SftExample> examples, PolicyTrainer trainer, Tokenizer tokenizer, int context, Options options) {
        return run(examples, trainer, tokenizer, context, options, StepListener.NONE);
    }

    private static Result run(List<SftExample> examples, PolicyTrainer trainer, Tokenizer tokenizer, int context,
                              Options options, StepListener listener) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no SFT examples");
        List<ReferenceExamples.Encoded> encoded = ReferenceExamples.encodeAll(examples, tokenizer, context, Integer.MAX_VALUE);
        Random rng = new Random(options.seed());
        List<Integer> order = new ArrayList<>();
        int cursor = 0;
        List<Double> losses = new ArrayList<>();
        long tokens = 0;
        long start = System.nanoTime();
        for (int s = 0; s < options.steps(); s++) {
            List<ReferenceExamples.Encoded> batch = new ArrayList<>(options.batchSize());
            for (int b = 0; b < options.batchSize(); b++) {
                if (cursor == order.size()) {
                    order.clear();
                    for (int i = 0; i < encoded.size(); i++) order.add(i);
                    Collections.shuffle(order, rng);
                    cursor = 0;
                }
                batch.add(encoded.get(order.get(cursor++)));
            }
            List<TokenSequence> sequences = ReferenceExamples.tokenMean(batch); // weight 1/N, N = the step's completion tokens
            double loss = 0;
            for (int from = 0; from < sequences.size(); from += options.microBatchSize())
                loss += trainer.accumulate(sequences.subList(from, Math.min(sequences.size(), from + options.microBatchSize())));
            StepStats st = trainer.step();
            losses.add(loss);
            for (ReferenceExamples.Encoded e : batch) tokens += e.completionIds().length;
            listener.onStep(st.step(), loss);
            if (options.logEvery() > 0 && (st.step() % options.logEvery() == 0 || s == options.steps() - 1)) {
                LOG.info("sft step {} loss {} grad-norm {} lr {}", st.step(), String.format("%.4f", loss), String.format("%.3f", st.gradNorm()),
                        String.format("%.2e", st.lr()));
            }
        }
        return new Result(losses, options.steps(), tokens, (System.nanoTime() - start) / 1e9);
    }
}
