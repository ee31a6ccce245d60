package org.rltf.policy;

/**
 * GPT-2's part of a {@link ModelConfig}: nothing beyond the shared shape. Learned position
 * embeddings, LayerNorm (eps 1e-5), an exact-GELU MLP of width 4x, biases on every projection and an
 * output head tied to the token embedding are what GPT-2 is (see {@link GptModel}); a record all the
 * same, so each architecture's settings have one place.
 */
public record Gpt2Config() implements ModelConfig.Architecture {
    /** config.json's {@code architecture}; also what a config.json without one means. */
    public static final String NAME = "gpt2";
    public static final Gpt2Config INSTANCE = new Gpt2Config();

    @Override
    public String name() { return NAME; }
}
