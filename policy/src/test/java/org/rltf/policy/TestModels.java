package org.rltf.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.List;

/** Small models for tests, and the probes tests use on them: every test runs on the CPU with the thread count the build sets. */
final class TestModels {
    static {
        PolicyRuntime.configureOffline();
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) System.setProperty("ai.djl.pytorch.num_threads", "2");
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    private TestModels() {}

    /** 2 layers, width 32, 2 heads, context 64, byte vocabulary. */
    static ModelConfig micro() {
        return new ModelConfig(2, 32, 2, 64, ByteTokenizer.VOCAB_SIZE, ByteTokenizer.KIND);
    }

    static Policy microPolicy(long seed) {
        return Policy.create(micro(), Tokenizer.bytes(), seed, Device.cpu());
    }

    /** Greedy decoding (argmax, lowest id on ties) of at most {@code maxNewTokens} tokens. */
    static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0f, 1f, maxNewTokens, List.of(), 0L);
    }

    /** {@link TrainerConfig#defaults()} with learning rate {@code lr} from the first step (no warm-up). */
    static TrainerConfig noWarmup(double lr) {
        TrainerConfig d = TrainerConfig.defaults();
        return new TrainerConfig(lr, d.weightDecay(), d.beta1(), d.beta2(), d.eps(), 0, d.gradClip(), d.seed());
    }

    /**
     * Next-token logits at every position of {@code ids} ([T][vocab]): one forward pass over the
     * whole sequence, no KV cache, no gradient. The reference the cached sampler and the trainer's
     * batched forward are checked against.
     */
    static float[][] logits(Policy policy, int[] ids) {
        int context = policy.config().context();
        int vocab = policy.config().vocabSize();
        if (ids.length == 0 || ids.length > context) throw new IllegalArgumentException("need 1.." + context + " ids, got " + ids.length);
        synchronized (policy) {
            CausalLm model = policy.model();
            try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager step = model.manager().newSubManager()) {
                long[] l = Arrays.stream(ids).asLongStream().toArray();
                NDArray h = model.hidden(step.create(l, new Shape(1, ids.length)), step.arange(0, ids.length, 1, DataType.INT64),
                        model.causalMask(0, ids.length, step), null, 0, step);
                float[] flat = model.logits(h).toFloatArray();
                float[][] out = new float[ids.length][];
                for (int t = 0; t < ids.length; t++) out[t] = Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
                return out;
            }
        }
    }
}
