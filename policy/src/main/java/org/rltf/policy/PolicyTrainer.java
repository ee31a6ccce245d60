package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link Policy}'s own parameters in place: weighted token log-likelihood with gradient
 * accumulation, global-norm clipping and AdamW.
 *
 * <pre>
 *   L = - sum_seq sum_t weights[t] * log p(w_t | prompt, w_&lt;t)         (accumulate, summed over calls)
 *   g <- g * min(1, gradClip / (||g||_2 + 1e-6))                         (step: global norm over all parameters)
 *   theta <- theta - lr_t * wd * theta                                    (decoupled weight decay, matrices and embeddings only)
 *   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
 *   theta <- theta - lr_t * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 * </pre>
 * The last line is Adam's bias correction folded into the step size (Kingma and Ba, section 2),
 * which differs from torch.optim.AdamW only in where eps sits. The update is one fused libtorch
 * call per parameter (DJL's adamUpdate with adamw=true). Supervised fine-tuning is the same
 * {@link #accumulate} with weights 1/N on the completion tokens.
 */
public final class PolicyTrainer implements AutoCloseable {
    static { PolicyRuntime.configureOffline(); }

    static final String STATE_DIR = "trainer";
    static final String OPTIMIZER_FILE = STATE_DIR + "/optimizer.safetensors";
    static final String STATE_FILE = STATE_DIR + "/state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Policy policy;
    private final TrainerConfig config;
    private final CausalLm model;
    private final NDManager manager;
    private final String[] names;
    private final NDArray[] params;
    private final NDArray[] exp;    // first moments
    private final NDArray[] expSq;  // second moments
    private final boolean[] decay;
    private long step;

    public PolicyTrainer(Policy policy, TrainerConfig config) {
        this.policy = policy;
        this.config = config;
        this.model = policy.model();
        this.manager = model.manager().newSubManager();
        Map<String, NDArray> p = model.parameters().byName();
        names = p.keySet().toArray(new String[0]);
        params = p.values().toArray(new NDArray[0]);
        exp = new NDArray[params.length];
        expSq = new NDArray[params.length];
        decay = new boolean[params.length];
        for (int i = 0; i < params.length; i++) {
            params[i].setRequiresGradient(true);
            exp[i] = manager.zeros(params[i].getShape(), DataType.FLOAT32);
            expSq[i] = manager.zeros(params[i].getShape(), DataType.FLOAT32);
            decay[i] = params[i].getShape().dimension() >= 2; // nanoGPT: decay matrices and embeddings, not biases or norms
        }
    }

    public long stepCount() { return step; }

    /** A batch laid out for one forward pass: right-padded rows and the flat positions that predict completion tokens. */
    private static final class Layout {
        int rows;
        int length;
        long[] ids;
        long[] predictAt; // flat index b * length + position whose output predicts the token
        long[] targets;
        float[] weights;
        int[] perSequence; // completion tokens of each input sequence, in order
    }

    private Layout layout(List<TokenSequence> batch) {
        int context = model.config().context();
        int vocab = model.config().vocabSize();
        int eos = policy.tokenizer().eosId();
        List<int[]> seqs = new ArrayList<>();
        List<Integer> promptLens = new ArrayList<>();
        Layout l = new Layout();
        l.perSequence = new int[batch.size()];
        int total = 0;
        for (int s = 0; s < batch.size(); s++) {
            TokenSequence ts = batch.get(s);
            int[] comp = ts.completionIds();
            l.perSequence[s] = comp.length;
            if (comp.length == 0) continue;
            if (comp.length > context - 1) {
                throw new IllegalArgumentException("sequence " + s + ": " + comp.length + " completion tokens do not fit a context of " + context);
            }
            int[] prompt = ts.promptIds().length == 0 ? new int[] {eos} : ts.promptIds();
            int keep = Math.min(prompt.length, context - comp.length); // left-truncate the prompt, as sampling does
            int[] seq = new int[keep + comp.length];
            System.arraycopy(prompt, prompt.length - keep, seq, 0, keep);
            System.arraycopy(comp, 0, seq, keep, comp.length);
            for (int id : seq) if (id < 0 || id >= vocab) throw new IllegalArgumentException("sequence " + s + " has token id " + id + " outside [0, " + vocab + ")");
            seqs.add(seq);
            promptLens.add(keep);
            total += comp.length;
        }
        l.rows = seqs.size();
        l.length = seqs.stream().mapToInt(a -> a.length).max().orElse(0);
        l.ids = new long[l.rows * l.length];
        Arrays.fill(l.ids, eos);
        l.predictAt = new long[total];
        l.targets = new long[total];
        l.weights = new float[total];
        int k = 0;
        int row = 0;
        for (int s = 0; s < batch.size(); s++) {
            if (l.perSequence[s] == 0) continue;
            int[] seq = seqs.get(row);
            int pl = promptLens.get(row);
            for (int j = 0; j < seq.length; j++) l.ids[row * l.length + j] = seq[j];
            float[] w = batch.get(s).weights();
            for (int j = 0; j < l.perSequence[s]; j++) {
                l.predictAt[k] = (long) row * l.length + pl + j - 1;
                l.targets[k] = seq[pl + j];
                l.weights[k] = w[j];
                k++;
            }
            row++;
        }
        return l;
    }

    /** log p of every completion token, flat [N]: hidden states at the predicting positions only go through the head. */
    private NDArray tokenLogProbs(Layout l, NDManager step) {
        long c = model.config().width();
        NDArray ids = step.create(l.ids, new Shape(l.rows, l.length));
        NDArray positions = step.arange(0, l.length, 1, DataType.INT64);
        NDArray h = model.hidden(ids, positions, model.causalMask(0, l.length, step), null, 0, step); // [B, T, C]
        NDArray at = step.create(l.predictAt);
        NDArray picked = Ops.embedding(at, h.reshape(l.rows * l.length, c)); // row gather [N, C]; its backward scatters into h
        NDArray logp = model.logits(picked).logSoftmax(-1);                  // [N, V]
        return logp.gather(step.create(l.targets, new Shape(l.targets.length, 1)), 1).reshape(l.targets.length);
    }

    /** Per completion token log p(w_t | prompt, w_&lt;t), without gradient. */
    public float[][] logProbs(List<TokenSequence> batch) {
        synchronized (policy) {
            Layout l = layout(batch);
            float[] flat = new float[0];
            if (l.rows > 0) {
                try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager step = model.manager().newSubManager()) {
                    flat = tokenLogProbs(l, step).toFloatArray();
                }
            }
            float[][] out = new float[batch.size()][];
            int k = 0;
            for (int s = 0; s < batch.size(); s++) {
                out[s] = Arrays.copyOfRange(flat, k, k + l.perSequence[s]);
                k += l.perSequence[s];
            }
            return out;
        }
    }

    /** Forward and backward of L = -sum weights * log p over the micro-batch; gradients add up until {@link #step()}. Returns L. */
    public double accumulate(List<TokenSequence> microBatch) {
        synchronized (policy) {
            Layout l = layout(microBatch);
            if (l.rows == 0) return 0.0;
            try (Ops.AutoCloseableGrad g = Ops.grad(true); NDManager step = model.manager().newSubManager()) {
                NDArray logp = tokenLogProbs(l, step);
                NDArray loss = logp.mul(step.create(l.weights)).sum().neg();
                JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape()), false, false);
                return loss.getFloat();
            }
        }
    }

    /** Clips the global gradient norm, applies AdamW with the warm-up learning rate, zeroes the gradients. */
    public StepStats step() {
        synchronized (policy) {
            try (Ops.AutoCloseableGrad g = Ops.grad(false); NDManager tmp = model.manager().newSubManager()) {
                NDArray[] grads = new NDArray[params.length];
                double sumSq = 0;
                for (int i = 0; i < params.length; i++) {
                    NDArray grad = JniUtils.getGradient((PtNDArray) params[i]);
                    if (grad == null) continue; // no backward pass has reached it yet: skipped, as torch.optim skips a None grad
                    grad.attach(tmp);
                    grads[i] = grad;
                    sumSq += grad.square().sum().getFloat();
                }
                double norm = Math.sqrt(sumSq);
                float rescale = 1f;
                if (config.gradClip() > 0 && norm > config.gradClip()) rescale = (float) (config.gradClip() / (norm + 1e-6));
                if (!Double.isFinite(norm)) {
                    throw new IllegalStateException("gradient norm is " + norm + " at step " + (step + 1) + "; not applying the update");
                }
                step++;
                double lr = config.lrAt(step);
                double bc1 = 1 - Math.pow(config.beta1(), step);
                double bc2 = 1 - Math.pow(config.beta2(), step);
                float lrCorrected = (float) (lr * Math.sqrt(bc2) / bc1);
                for (int i = 0; i < params.length; i++) {
                    if (grads[i] == null) continue;
                    JniUtils.adamUpdate((PtNDArray) params[i], (PtNDArray) grads[i], (PtNDArray) exp[i], (PtNDArray) expSq[i],
                            (float) lr, lrCorrected, decay[i] ? (float) config.weightDecay() : 0f, rescale, -1f,
                            (float) config.beta1(), (float) config.beta2(), (float) config.eps(), true);
                    JniUtils.zeroGrad((PtNDArray) params[i]);
                }
                policy.markTrained();
                return new StepStats(step, norm, lr);
            }
        }
    }

    /** Drops accumulated gradients without stepping. */
    public void zeroGradients() {
        synchronized (policy) {
            for (NDArray p : params) JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    /** Writes the policy and this trainer's state as one checkpoint directory (one manifest covers both). */
    public CheckpointInfo saveCheckpoint(Path dir) {
        synchronized (policy) {
            CheckpointInfo info = Checkpoints.write(dir, tmp -> {
                policy.writeFiles(tmp);
                writeState(tmp);
            });
            return info;
        }
    }

    private void writeState(Path dir) throws IOException {
        Files.createDirectories(dir.resolve(STATE_DIR));
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, NDArray> moments = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i++) {
            long[] shape = params[i].getShape().getShape();
            shapes.put(names[i] + ".exp_avg", shape);
            shapes.put(names[i] + ".exp_avg_sq", shape);
            moments.put(names[i] + ".exp_avg", exp[i]);
            moments.put(names[i] + ".exp_avg_sq", expSq[i]);
        }
        // streamed: the moments are twice the model, and must not be copied to the Java heap whole
        Safetensors.write(dir.resolve(OPTIMIZER_FILE), Safetensors.F32, shapes, Map.of("producer", "rltf", "optimizer", "adamw"),
                name -> moments.get(name).toByteBuffer());
        ObjectNode s = JSON.createObjectNode();
        s.put("step", step);
        s.put("lr", config.lr());
        s.put("weightDecay", config.weightDecay());
        s.put("beta1", config.beta1());
        s.put("beta2", config.beta2());
        s.put("eps", config.eps());
        s.put("warmupSteps", config.warmupSteps());
        s.put("gradClip", config.gradClip());
        s.put("seed", config.seed());
        Files.write(dir.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(s));
    }

    /** Restores the optimizer moments and step {@link #saveCheckpoint} wrote into checkpoint {@code dir}, checked against its manifest. */
    public void loadState(Path dir) {
        synchronized (policy) {
            try (Checkpoints.Verified v = Checkpoints.readVerified(dir, null)) {
                byte[] stateBytes = v.require(STATE_FILE);
                TensorSource t = v.tensors(OPTIMIZER_FILE);
                long savedStep;
                try {
                    JsonNode s = JSON.readTree(new String(stateBytes, StandardCharsets.UTF_8));
                    savedStep = s.path("step").asLong(-1);
                } catch (IOException e) {
                    throw new CheckpointException("bad trainer state in " + dir + ": " + e.getMessage(), e);
                }
                if (savedStep < 0) throw new CheckpointException("bad trainer state in " + dir + ": no step");
                for (int i = 0; i < params.length; i++) {
                    for (String suffix : new String[] {".exp_avg", ".exp_avg_sq"}) {
                        long[] x = t.shapes().get(names[i] + suffix);
                        if (x == null || !Arrays.equals(x, params[i].getShape().getShape())) {
                            throw new CheckpointException("trainer state in " + dir + " does not fit this model: " + names[i] + suffix);
                        }
                    }
                }
                try (Ops.AutoCloseableGrad g = Ops.grad(false)) {
                    for (int i = 0; i < params.length; i++) {
                        exp[i].intern(t.load(names[i] + ".exp_avg", manager));
                        expSq[i].intern(t.load(names[i] + ".exp_avg_sq", manager));
                    }
                }
                step = savedStep;
            }
        }
    }

    /** Frees the optimizer state and stops recording gradients for the policy's parameters. */
    @Override
    public void close() {
        synchronized (policy) {
            if (!model.manager().isOpen()) return; // the policy was closed first: everything is freed already
            for (NDArray p : params) {
                JniUtils.zeroGrad((PtNDArray) p);
                p.setRequiresGradient(false);
            }
            manager.close();
        }
    }
}
