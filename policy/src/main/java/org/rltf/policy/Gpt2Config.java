package org.rltf.policy;

/**
 * GPT-2's part of a {@link ModelConfig}: learned position embeddings, LayerNorm (eps 1e-5), an MLP
 * of width 4x, biases on every projection and an output head tied to the token embedding are what
 * GPT-2 is (see {@link GptModel}); what varies is the MLP's GELU.
 *
 * @param activation Hugging Face's {@code activation_function}: {@value #GELU} (exact, erf; nanoGPT's
 *                   nn.GELU(), what a model trained here from scratch uses) or {@value #GELU_TANH}
 *                   (the tanh approximation OpenAI's GPT-2 was trained with, what imported GPT-2s use)
 */
public record Gpt2Config(String activation) implements ModelConfig.Architecture {
    /** config.json's {@code architecture}; also what a config.json without one means. */
    public static final String NAME = "gpt2";
    public static final String GELU = "gelu";
    public static final String GELU_TANH = "gelu_new";
    /** A model trained here: exact GELU. */
    public static final Gpt2Config INSTANCE = new Gpt2Config(GELU);

    public Gpt2Config {
        if (!GELU.equals(activation) && !GELU_TANH.equals(activation)) {
            throw new IllegalArgumentException("GPT-2 activation '" + activation + "' is not supported (" + GELU + ", " + GELU_TANH + ")");
        }
    }

    @Override
    public String name() { return NAME; }
}
