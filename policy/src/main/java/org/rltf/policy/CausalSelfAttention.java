package org.rltf.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * GPT-2's multi-head causal self-attention, nanoGPT's {@code CausalSelfAttention}: one fused QKV
 * projection with bias (c_attn), scores for all heads in one batched matmul, an additive mask
 * (causal plus padding) and softmax, then the output projection (c_proj). Optionally reads and
 * extends a {@link KvCache}.
 */
final class CausalSelfAttention {
    final NDArray cAttnWeight; // [3C, C]
    final NDArray cAttnBias;   // [3C]
    final NDArray cProjWeight; // [C, C]
    final NDArray cProjBias;   // [C]
    private final int heads;
    private final int headDim;

    CausalSelfAttention(NDArray cAttnWeight, NDArray cAttnBias, NDArray cProjWeight, NDArray cProjBias, int heads, int headDim) {
        this.cAttnWeight = cAttnWeight;
        this.cAttnBias = cAttnBias;
        this.cProjWeight = cProjWeight;
        this.cProjBias = cProjBias;
        this.heads = heads;
        this.headDim = headDim;
    }

    /**
     * @param x     [B, T, C]
     * @param mask  additive, broadcastable to [B, H, T, S] (0 = attend, -1e9 = masked), S = keys seen
     * @param scale 1/sqrt(head dim) as a scalar array
     * @param cache null, or the cache to append this call's keys/values to at {@code start}
     * @return [B, T, C]
     */
    NDArray forward(NDArray x, NDArray mask, NDArray scale, KvCache cache, int layer, int start, NDManager step) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long c = x.getShape().get(2);
        NDArray qkv = Ops.linear(x, cAttnWeight, cAttnBias)     // [B, T, 3C]
                .reshape(b, t, 3, heads, headDim)
                .transpose(2, 0, 3, 1, 4);                    // [3, B, H, T, D]
        NDArray q = Ops.select(qkv, 0);                       // [B, H, T, D]
        NDArray k = Ops.select(qkv, 1);
        NDArray v = Ops.select(qkv, 2);
        q = q.mul(scale);
        NDArray kT = k.transpose(0, 1, 3, 2);                 // [B, H, D, T]
        if (cache != null) {
            NDArray[] kv = cache.append(layer, kT, v, start, step);
            kT = kv[0];
            v = kv[1];
        }
        long s = v.getShape().get(2);
        long bh = b * heads;
        // bmm on [B*H, ...] views: torch's 4-D matmul would add broadcasting work (and copies of strided operands) to every call
        NDArray att = Ops.bmm(q.reshape(bh, t, headDim), kT.reshape(bh, headDim, s))
                .reshape(b, heads, t, s)
                .add(mask)
                .softmax(-1);                                 // [B, H, T, S]
        NDArray y = Ops.bmm(att.reshape(bh, t, s), v.reshape(bh, s, headDim))
                .reshape(b, heads, t, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(b, t, c);                            // [B, T, C]: the heads side by side
        return Ops.linear(y, cProjWeight, cProjBias);
    }
}
