package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Multi-head causal self-attention, nanoGPT's {@code CausalSelfAttention}: the Q, K, V projections,
 * scores for all heads in one batched matmul, an additive mask (causal plus padding) and softmax,
 * then the output projection. Optionally reads and extends a {@link KvCache}.
 *
 * <p>GPT-2 uses one fused QKV projection with biases (c_attn, c_proj). Llama uses separate
 * bias-free q/k/v/o projections, rotary position embeddings on q and k, and grouped-query
 * attention: {@code kvHeads} key/value heads, each shared by {@code heads / kvHeads} consecutive
 * query heads. Grouping is done by reshaping the queries to [B * kvHeads, group * T, D], so keys and
 * values are never repeated (and the cache holds only kvHeads heads).
 */
final class CausalSelfAttention {
    final NDArray cAttnWeight; // GPT-2 [3C, C], else null
    final NDArray cAttnBias;   // GPT-2 [3C], else null
    final NDArray qWeight;     // Llama [H*D, C], else null
    final NDArray kWeight;     // Llama [KV*D, C], else null
    final NDArray vWeight;     // Llama [KV*D, C], else null
    final NDArray cProjWeight; // [C, C]
    final NDArray cProjBias;   // [C], null for Llama
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    private CausalSelfAttention(NDArray cAttnWeight, NDArray cAttnBias, NDArray qWeight, NDArray kWeight, NDArray vWeight,
            NDArray cProjWeight, NDArray cProjBias, int heads, int kvHeads) {
        this.cAttnWeight = cAttnWeight;
        this.cAttnBias = cAttnBias;
        this.qWeight = qWeight;
        this.kWeight = kWeight;
        this.vWeight = vWeight;
        this.cProjWeight = cProjWeight;
        this.cProjBias = cProjBias;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = (int) (cProjWeight.getShape().get(0) / heads);
    }

    static CausalSelfAttention gpt2(NDArray cAttnWeight, NDArray cAttnBias, NDArray cProjWeight, NDArray cProjBias, int heads) {
        return new CausalSelfAttention(cAttnWeight, cAttnBias, null, null, null, cProjWeight, cProjBias, heads, heads);
    }

    static CausalSelfAttention llama(NDArray q, NDArray k, NDArray v, NDArray o, int heads, int kvHeads) {
        return new CausalSelfAttention(null, null, q, k, v, o, null, heads, kvHeads);
    }

    /**
     * @param x     [B, T, C]
     * @param mask  additive, broadcastable to [B, H, T, S] (0 = attend, -1e9 = masked), S = keys seen
     * @param scale 1/sqrt(head dim) as a scalar array
     * @param rope  null (GPT-2), or {cos, sin} at this call's positions, [T, D] or [B, 1, T, D]
     * @param cache null, or the cache to append this call's keys/values to at {@code start}
     */
    NDArray forward(NDArray x, NDArray mask, NDArray scale, NDArray[] rope, KvCache cache, int layer, int start, NDManager step) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long c = x.getShape().get(2);
        NDArray q;  // [B, H, T, D]
        NDArray k;  // [B, KV, T, D]
        NDArray v;  // [B, KV, T, D]
        if (cAttnWeight != null) {
            NDArray qkv = Ops.linear(x, cAttnWeight, cAttnBias)     // [B, T, 3C]
                    .reshape(b, t, 3, heads, headDim)
                    .transpose(2, 0, 3, 1, 4);                    // [3, B, H, T, D]
            q = Ops.select(qkv, 0);
            k = Ops.select(qkv, 1);
            v = Ops.select(qkv, 2);
        } else {
            q = Ops.linear(x, qWeight, null).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
            k = Ops.linear(x, kWeight, null).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
            v = Ops.linear(x, vWeight, null).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        }
        if (rope != null) {
            q = Ops.rotary(q, rope[0], rope[1], step);
            k = Ops.rotary(k, rope[0], rope[1], step);
        }
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
                .reshape(b, t, c);
        return Ops.linear(y, cProjWeight, cProjBias);
    }
}
