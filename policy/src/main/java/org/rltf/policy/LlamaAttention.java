package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Llama's causal self-attention: separate q/k/v/o projections (bias-free in Llama; Qwen2 has
 * q/k/v biases, null here for Llama, which torch's linear takes as none), rotary position
 * embeddings on queries and keys, and grouped-query attention: {@code kvHeads} key/value heads,
 * each shared by {@code heads / kvHeads} consecutive query heads (Hugging Face's repeat_kv order).
 * Grouping is done by reshaping the queries to [B * kvHeads, group * T, D], so keys and values are
 * never repeated (and the {@link KvCache} holds only kvHeads heads). Scores, mask and softmax are
 * as in GPT-2's {@link CausalSelfAttention}.
 */
final class LlamaAttention {
    final NDArray qProj; // [H*D, C]
    final NDArray kProj; // [KV*D, C]
    final NDArray vProj; // [KV*D, C]
    final NDArray oProj; // [C, H*D]
    final NDArray qBias; // [H*D] or null
    final NDArray kBias; // [KV*D] or null
    final NDArray vBias; // [KV*D] or null
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    LlamaAttention(NDArray qProj, NDArray kProj, NDArray vProj, NDArray oProj, NDArray[] qkvBias, int heads, int kvHeads, int headDim) {
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.oProj = oProj;
        this.qBias = qkvBias[0];
        this.kBias = qkvBias[1];
        this.vBias = qkvBias[2];
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /**
     * @param x     [B, T, C]
     * @param mask  additive, broadcastable to [B, H, T, S] (0 = attend, -1e9 = masked), S = keys seen
     * @param scale 1/sqrt(head dim) as a scalar array
     * @param rope  the rotation at this call's positions
     * @param cache null, or the cache to append this call's keys/values to at {@code start}
     * @return [B, T, C]
     */
    NDArray forward(NDArray x, NDArray mask, NDArray scale, Rope.At rope, KvCache cache, int layer, int start, NDManager step) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray q = Ops.linear(x, qProj, qBias).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);   // [B, H, T, D]
        NDArray k = Ops.linear(x, kProj, kBias).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // [B, KV, T, D]
        NDArray v = Ops.linear(x, vProj, vBias).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // [B, KV, T, D]
        q = rope.rotate(q, step);
        k = rope.rotate(k, step);
        q = q.mul(scale);
        NDArray kT = k.transpose(0, 1, 3, 2); // [B, KV, D, T]
        if (cache != null) {
            NDArray[] kv = cache.append(layer, kT, v, start, step);
            kT = kv[0];
            v = kv[1];
        }
        long s = v.getShape().get(2);
        long bkv = b * kvHeads;
        long gt = (heads / kvHeads) * t; // a key/value head's query rows: its group of heads, each with T positions
        // bmm on [B*KV, ...] views: torch's 4-D matmul would add broadcasting work (and copies of strided operands) to every call
        NDArray att = Ops.bmm(q.reshape(bkv, gt, headDim), kT.reshape(bkv, headDim, s))
                .reshape(b, heads, t, s)
                .add(mask)
                .softmax(-1);                                 // [B, H, T, S]
        NDArray y = Ops.bmm(att.reshape(bkv, gt, s), v.reshape(bkv, s, headDim))
                .reshape(b, heads, t, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(b, t, (long) heads * headDim);       // [B, T, H*D]: the heads side by side
        return Ops.linear(y, oProj, null);
    }
}
