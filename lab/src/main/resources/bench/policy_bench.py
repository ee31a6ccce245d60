"""Reference for `rltf bench policy`: the same GPT as org.rltf.policy.GptModel, in PyTorch.

Same shapes, same ops (fused QKV Linear, batched attention with an additive causal mask, exact
GELU, pre-norm blocks, tied head, loss only at completion positions, global-norm clipping, AdamW),
same KV-cache sampling (temperature, top-p, eos suppressed so every row runs full length).
Reads one JSON argument, prints one JSON line. Needs Debian's python3-torch (/usr/bin/python3).
"""
import json
import math
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


def train(model, a):
    b, t = a["train_batch"], a["train_len"]
    prompt = t // 2
    g = torch.Generator().manual_seed(a["seed"])
    ids = torch.randint(0, a["vocab"] - 1, (b, t), generator=g)
    pos = torch.arange(t)
    rows = torch.arange(b).repeat_interleave(t - prompt)
    cols = torch.arange(prompt, t).repeat(b)
    predict_at = rows * t + cols - 1
    targets = ids[rows, cols].view(-1, 1)
    weights = torch.full((predict_at.numel(),), 1.0 / predict_at.numel())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)

    def step():
        h = model.hidden(ids, pos, model.causal[:t, :t])
        picked = h.reshape(b * t, -1)[predict_at]
        logp = model.logits(picked).log_softmax(-1)
        loss = -(logp.gather(1, targets).view(-1) * weights).sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=False)

    for _ in range(a["warmup_steps"]):
        step()
    start = time.perf_counter()
    for _ in range(a["train_steps"]):
        step()
    secs = time.perf_counter() - start
    return b * t * a["train_steps"] / secs


@torch.no_grad()
def sample(model, a, batch):
    layers, heads, c = a["layers"], a["heads"], a["width"]
    prompt, new = a["prompt_len"], a["new_tokens"]
    eos = a["vocab"] - 1
    g = torch.Generator().manual_seed(a["seed"])
    ids = torch.randint(0, eos, (batch, prompt), generator=g)
    top_p = 0.95

    def run():
        caches = [(torch.zeros(batch, heads, prompt + new, c // heads), torch.zeros(batch, heads, prompt + new, c // heads))
                  for _ in range(layers)]
        pad_mask = torch.zeros(batch, 1, 1, prompt + new)  # no padding: every prompt has the same length
        mask = model.causal[:prompt, :prompt] + pad_mask[:, :, :, :prompt]
        h = model.hidden(ids, torch.arange(prompt).expand(batch, prompt), mask, caches, 0)
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
            h = model.hidden(choice, torch.full((batch, 1), at), pad_mask[:, :, :, :at + 1], caches, at)
            logp = model.logits(h).log_softmax(-1)[:, 0]
        return out

    run()  # warm-up
    start = time.perf_counter()
    run()
    secs = time.perf_counter() - start
    return batch * new / secs


def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a["threads"])
    torch.manual_seed(a["seed"])
    model = Gpt(a["layers"], a["width"], a["heads"], a["context"], a["vocab"])
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "train_tokens_per_s": train(model, a)}
    model.eval()
    for batch in a["sample_batches"]:
        result["sample_tokens_per_s_b%d" % batch] = sample(model, a, batch)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
