package org.rltf.policy;

import ai.djl.ndarray.NDArray;

import java.util.function.UnaryOperator;

/**
 * GPT-2's feed-forward part, nanoGPT's {@code MLP}: Linear(C, 4C), GELU, Linear(4C, C), with biases.
 * The GELU is the model's, exact or tanh ({@link Gpt2Config#activation()}), fixed at construction.
 */
final class Mlp {
    final NDArray cFcWeight;   // [4C, C]
    final NDArray cFcBias;     // [4C]
    final NDArray cProjWeight; // [C, 4C]
    final NDArray cProjBias;   // [C]
    private final UnaryOperator<NDArray> gelu;

    Mlp(NDArray cFcWeight, NDArray cFcBias, NDArray cProjWeight, NDArray cProjBias, UnaryOperator<NDArray> gelu) {
        this.gelu = gelu;
        this.cFcWeight = cFcWeight;
        this.cFcBias = cFcBias;
        this.cProjWeight = cProjWeight;
        this.cProjBias = cProjBias;
    }

    /** [B, T, C] to [B, T, C]. */
    NDArray forward(NDArray x) {
        return Ops.linear(gelu.apply(Ops.linear(x, cFcWeight, cFcBias)), cProjWeight, cProjBias);
    }
}
