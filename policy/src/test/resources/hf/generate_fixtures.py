"""Generates the small Hugging Face model fixtures the policy tests import (run once; the output is committed).

    python3 -m venv venv && venv/bin/pip install torch transformers safetensors tokenizers numpy
    venv/bin/python policy/src/test/resources/hf/generate_fixtures.py

Each fixture directory is what `save_pretrained` writes for a tiny random model (config.json,
safetensors weights, tokenizer.json, tokenizer_config.json) plus reference.json: fixed input ids and
the model's logits for them (in reference.safetensors), computed by transformers in float32 (for the bf16 fixture, from the
bf16 weights widened to float32, which is what the importer does), and reference.safetensors, the
logits [T, vocab] as float32.

  gpt2          GPT2LMHeadModel, gelu_new, tied head
  llama3        LlamaForCausalLM, rope_scaling llama3, head_dim 16 != hidden/heads, GQA, untied head
  llama-linear  LlamaForCausalLM, rope_scaling linear, tied head
  qwen2         Qwen2ForCausalLM (q/k/v biases), rope_theta 1e6, tied head, bf16, sharded in two files
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config,
                          Qwen2ForCausalLM)

HERE = os.path.dirname(os.path.abspath(__file__))
EOS = "<|endoftext|>"
CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for i in range(10):\n    print(i * i)\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n",
    "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
    "assert add(2, 3) == 5  # naïve test, ünïcödé\n",
]
PROBE = "def mul(a, b):\n    return a * b  # é\n"


def tokenizer():
    """A byte-level BPE (GPT-2/Llama 3/Qwen2 style) of 300 ids trained on CORPUS; eos is <|endoftext|>."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=[EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS * 20, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS)


def save(name, model, tok, dtype=torch.float32, shard=None):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    model = model.to(dtype)
    kwargs = {"max_shard_size": shard} if shard else {}
    model.save_pretrained(out, **kwargs)
    tok.save_pretrained(out)
    # the reference: what transformers computes in float32 from the saved files (model.float() would
    # not do: after model.to(bfloat16) its rotary inv_freq buffer is rounded to bfloat16 too)
    model = type(model).from_pretrained(out, dtype=torch.float32).eval()
    ids = tok(PROBE)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
    ref = {"transformers": transformers.__version__, "torch": torch.__version__, "text": PROBE, "input_ids": ids}
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    save_file({"logits": logits.contiguous()}, os.path.join(out, "reference.safetensors"))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print("%-13s %6.1f KB  %s" % (name, size / 1024, sorted(os.listdir(out))))


def randomize(model, seed):
    """Weights drawn with a larger spread than HF's init (std 0.02 makes every logit nearly equal); norm gains away from 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
    return model


def main():
    torch.manual_seed(0)
    tok = tokenizer()
    vocab = 320  # more rows than the tokenizer's 300 ids, as Qwen2's 151936 vs 151665
    eos = tok.convert_tokens_to_ids(EOS)
    common = dict(vocab_size=vocab, bos_token_id=eos, eos_token_id=eos)

    save("gpt2", randomize(GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=64, **common)), 1), tok)

    llama3 = LlamaConfig(hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                         max_position_embeddings=64, rms_norm_eps=1e-5, tie_word_embeddings=False,
                         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                       "original_max_position_embeddings": 16, "rope_theta": 10000.0}, **common)
    save("llama3", randomize(LlamaForCausalLM(llama3), 2), tok)

    linear = LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                         max_position_embeddings=64, rms_norm_eps=1e-6, tie_word_embeddings=True,
                         rope_scaling={"rope_type": "linear", "factor": 4.0, "rope_theta": 500.0}, **common)
    save("llama-linear", randomize(LlamaForCausalLM(linear), 3), tok)

    qwen2 = Qwen2Config(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                        max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True,
                        use_sliding_window=False, **common)
    save("qwen2", randomize(Qwen2ForCausalLM(qwen2), 4), tok, dtype=torch.bfloat16, shard="20KB")


if __name__ == "__main__":
    sys.exit(main())
