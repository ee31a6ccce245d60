"""Reference for `rltf bench policy`, in PyTorch: the same model, shapes and threads as the DJL side.

- gpt2 presets: the same GPT as org.rltf.policy.GptModel written out here (fused QKV Linear, batched
  attention with an additive causal mask, exact GELU, pre-norm blocks, tied head), with the same
  KV-cache sampling loop (temperature, top-p, eos suppressed so every row runs full length).
- llama/qwen2 presets: transformers' own LlamaForCausalLM / Qwen2ForCausalLM (random weights, its
  default SDPA attention), sampled with model.generate(do_sample, top_p, min_new_tokens = max_new_tokens
  so eos never ends a row), i.e. transformers-style generation.
Training on both: loss only at completion positions, global-norm clipping, AdamW (decay on matrices).
Reads one JSON argument, prints one JSON line: tokens/s, torch version, BLAS, threads, peak RSS.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.heads = heads
        self.scale = 1.0 / math.sqrt(c // heads)

    def forward(self, x, mask, cache=None, start=0):
        b, t, c = x.shape
        qkv = self.c_attn(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        if cache is not None:
            ck, cv = cache
            ck[:, :, start:start + t] = k
            cv[:, :, start:start + t] = v
            k, v = ck[:, :, :start + t], cv[:, :, :start + t]
        att = (q @ k.transpose(-2, -1) + mask).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.c_proj(y)


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c, 4 * c)
        self.c_proj = nn.Linear(4 * c, c)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c)
        self.attn = CausalSelfAttention(c, heads)
        self.ln_2 = nn.LayerNorm(c)
        self.mlp = Mlp(c)

    def forward(self, x, mask, cache=None, start=0):
        x = x + self.attn(self.ln_1(x), mask, cache, start)
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    def __init__(self, layers, c, heads, context, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(context, c)
        self.h = nn.ModuleList([Block(c, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(c)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif "ln_" in name:
                nn.init.ones_(p)
            else:
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * layers) if name.endswith("c_proj.weight") else 0.02)
        causal = torch.full((context, context), -1e9).triu(1)
        self.register_buffer("causal", causal)

    def hidden(self, ids, pos, mask, caches=None, start=0):
        x = self.wte(ids) + self.wpe(pos)
        for i, block in enumerate(self.h):
            x = block(x, mask, None if caches is None else caches[i], start)
        return self.ln_f(x)

    def logits(self, h):
        return F.linear(h, self.wte.weight)


class HfModel:
    """transformers' Llama/Qwen2 behind the two calls train() makes."""

    def __init__(self, a):
        import transformers
        cfg = dict(vocab_size=a["vocab"], hidden_size=a["width"], intermediate_size=a["intermediate"], num_hidden_layers=a["layers"],
                   num_attention_heads=a["heads"], num_key_value_heads=a["kv_heads"], max_position_embeddings=a["context"],
                   rms_norm_eps=a["rms_eps"], rope_theta=a["rope_theta"], tie_word_embeddings=a["tied"],
                   bos_token_id=a["vocab"] - 1, eos_token_id=a["vocab"] - 1, pad_token_id=a["vocab"] - 1)
        if a["arch"] == "qwen2":
            self.model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(use_sliding_window=False, **cfg))
        else:
            self.model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**cfg))
        self.model.to(torch.float32)
        self.version = transformers.__version__
        self.causal = None

    def parameters(self):
        return self.model.parameters()

    def hidden(self, ids, pos, mask):
        return self.model.model(input_ids=ids).last_hidden_state

    def logits(self, h):
        return self.model.lm_head(h)


def train(model, a):
    b, t = a["train_batch"], a["train_len"]
    prompt = t // 2
    g = torch.Generator().manual_seed(a["seed"])
    ids = torch.randint(0, a["vocab"] - 1, (b, t), generator=g).to(DEVICE)
    pos = torch.arange(t, device=DEVICE)
    rows = torch.arange(b).repeat_interleave(t - prompt)
    cols = torch.arange(prompt, t).repeat(b)
    predict_at = (rows * t + cols - 1).to(DEVICE)
    targets = ids[rows.to(DEVICE), cols.to(DEVICE)].view(-1, 1)
    weights = torch.full((predict_at.numel(),), 1.0 / predict_at.numel(), device=DEVICE)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)

    def step():
        h = model.hidden(ids, pos, None if model.causal is None else model.causal[:t, :t])
        picked = h.reshape(b * t, -1)[predict_at]
        logp = model.logits(picked).log_softmax(-1)
        loss = -(logp.gather(1, targets).view(-1) * weights).sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=False)

    for _ in range(a["warmup_steps"]):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(a["train_steps"]):
        step()
    sync()
    secs = time.perf_counter() - start
    return b * t * a["train_steps"] / secs


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


@torch.no_grad()
def sample_hf(hf, a, batch):
    prompt, new = a["prompt_len"], a["new_tokens"]
    eos = a["vocab"] - 1
    g = torch.Generator().manual_seed(a["seed"])
    ids = torch.randint(0, eos, (batch, prompt), generator=g).to(DEVICE)

    def run():
        out = hf.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0, top_p=0.95, top_k=0,
                                max_new_tokens=new, min_new_tokens=new, pad_token_id=eos, eos_token_id=eos, use_cache=True)
        assert out.shape[1] == prompt + new, out.shape

    run()  # warm-up
    sync()
    start = time.perf_counter()
    run()
    sync()
    secs = time.perf_counter() - start
    return batch * new / secs


@torch.no_grad()
def sample(model, a, batch):
    layers, heads, c = a["layers"], a["heads"], a["width"]
    prompt, new = a["prompt_len"], a["new_tokens"]
    eos = a["vocab"] - 1
    g = torch.Generator().manual_seed(a["seed"])
    ids = torch.randint(0, eos, (batch, prompt), generator=g).to(DEVICE)
    g = torch.Generator(device=DEVICE).manual_seed(a["seed"])
    top_p = 0.95

    def run():
        caches = [(torch.zeros(batch, heads, prompt + new, c // heads, device=DEVICE), torch.zeros(batch, heads, prompt + new, c // heads, device=DEVICE))
                  for _ in range(layers)]
        pad_mask = torch.zeros(batch, 1, 1, prompt + new, device=DEVICE)  # no padding: every prompt has the same length
        mask = model.causal[:prompt, :prompt] + pad_mask[:, :, :, :prompt]
        h = model.hidden(ids, torch.arange(prompt, device=DEVICE).expand(batch, prompt), mask, caches, 0)
        logp = model.logits(h[:, -1:]).log_softmax(-1)[:, 0]
        out = []
        for t in range(new):
            logits = logp.clone()
            logits[:, eos] = float("-inf")
            probs = logits.softmax(-1)  # temperature 1
            sp, si = probs.sort(-1, descending=True)
            keep = sp.cumsum(-1) - sp < top_p
            sp = sp * keep
            choice = si.gather(-1, torch.multinomial(sp, 1, generator=g))
            lp = logp.gather(-1, choice)
            out.append((choice, lp))
            if t == new - 1:
                break
            at = prompt + t
            h = model.hidden(choice, torch.full((batch, 1), at, device=DEVICE), pad_mask[:, :, :, :at + 1], caches, at)
            logp = model.logits(h).log_softmax(-1)[:, 0]
        return out

    run()  # warm-up
    sync()
    start = time.perf_counter()
    run()
    sync()
    secs = time.perf_counter() - start
    return batch * new / secs


def blas():
    """torch's BLAS as its build config names it, e.g. 'mkl 2024.2' or 'open'."""
    cfg = torch.__config__.show()
    name = next((p.split("=")[1].rstrip(",") for p in cfg.split() if p.startswith("BLAS_INFO=")), "unknown")
    for line in cfg.splitlines():
        if "Math Kernel Library Version" in line:
            return name + " " + line.split("Version")[1].split("-")[0].strip()
        if "OpenBLAS" in line:
            return name + " (" + line.strip(" -") + ")"
    return name


def main():
    a = json.loads(sys.argv[1])
    global DEVICE
    DEVICE = torch.device(a.get("device", "cpu"))
    torch.set_num_threads(a["threads"])
    torch.manual_seed(a["seed"])
    result = {"torch": torch.__version__, "blas": blas(), "cpu": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads()}
    if a["arch"] == "gpt2":
        model = Gpt(a["layers"], a["width"], a["heads"], a["context"], a["vocab"]).to(DEVICE)
        result["reference"] = "nanoGPT-style GPT, hand-written KV-cache loop"
    else:
        model = HfModel(a)
        model.model.to(DEVICE)
        result["reference"] = "transformers %s %s, generate()" % (model.version, type(model.model).__name__)
    result["train_tokens_per_s"] = train(model, a)
    if a["arch"] == "gpt2":
        model.eval()
    else:
        model.model.eval()
    for batch in a["sample_batches"]:
        result["sample_tokens_per_s_b%d" % batch] = sample(model, a, batch) if a["arch"] == "gpt2" else sample_hf(model, a, batch)
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


DEVICE = torch.device("cpu")


if __name__ == "__main__":
    main()
