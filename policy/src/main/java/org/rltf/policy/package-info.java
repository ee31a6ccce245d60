/**
 * The policy: the language model generators sample from and the learner trains, in DJL with the
 * PyTorch engine, fully offline, on the CPU or a CUDA GPU (chosen at start-up, see
 * {@link org.rltf.policy.PolicyRuntime}).
 *
 * <ul>
 *   <li>{@link org.rltf.policy.Tokenizer}: byte-level, or a Hugging Face tokenizer.json; decoding
 *       gives per-token character offsets (for mapping an error line to tokens).</li>
 *   <li>The models, one file set per architecture behind {@code CausalLm} (what the policy,
 *       sampler and trainer use), chosen by {@link org.rltf.policy.ModelConfig#arch()}:
 *       nanoGPT's GPT-2, {@code GptModel} (embeddings, blocks, tied head), {@code TransformerBlock},
 *       {@code CausalSelfAttention}, {@code Mlp}; and Llama ({@link org.rltf.policy.LlamaConfig}),
 *       {@code LlamaModel}, {@code LlamaBlock}, {@code LlamaAttention} (grouped-query, rotary
 *       positions from {@code Rope}), {@code SwiGluMlp}. Shared: {@code Ops}, the fused libtorch calls
 *       they use; {@code Parameters}, the named parameter set; {@code CausalMask}; and
 *       {@code KvCache}, the decoding cache.</li>
 *   <li>{@link org.rltf.policy.Policy}: create / load / save / switch weights, and batched sampling
 *       ({@code Sampler}) returning {@link org.rltf.policy.Completion}s with token log-probs.</li>
 *   <li>{@link org.rltf.policy.PolicyTrainer}: weighted log-likelihood, gradient accumulation,
 *       clipping, AdamW, optimizer state; {@link org.rltf.policy.Sft} is the supervised warm-up, and
 *       {@link org.rltf.policy.ReferenceExamples} the tokenisation and weights of reference completions it
 *       shares with the learner's supervised term.</li>
 *   <li>Checkpoints: {@link org.rltf.policy.Checkpoints} (directory + manifest of SHA-256s),
 *       {@link org.rltf.policy.Safetensors} (the weights format), {@link org.rltf.policy.Gpt2Weights}
 *       and {@link org.rltf.policy.LlamaWeights} (GPT-2 / Hugging Face Llama weights from other
 *       tools).</li>
 * </ul>
 * This module knows nothing of Kafka or the event schemas; callers convert events to token ids.
 */
package org.rltf.policy;
