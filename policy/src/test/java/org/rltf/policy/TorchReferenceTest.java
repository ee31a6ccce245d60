package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cross-checks the model's maths against independent PyTorch implementations of GPT-2 (nanoGPT's
 * forward) and Llama (Hugging Face modeling_llama's), written here in Python, reading the
 * safetensors files. Runs only where
 * Debian's python3-torch is installed ({@code /usr/bin/python3} with torch); skipped elsewhere.
 */
class TorchReferenceTest {
    static { TestModels.micro(); }

    /** Both references start the same way: arguments, then every tensor of the safetensors file into {@code w}. */
    private static final String READ_WEIGHTS = String.join("\n",
            "import json, math, struct, sys, torch",
            "import torch.nn.functional as F",
            "path, cfg, ids = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])",
            "raw = open(path, 'rb').read()",
            "n = struct.unpack('<Q', raw[:8])[0]",
            "header = json.loads(raw[8:8 + n])",
            "w = {}",
            "for name, t in header.items():",
            "    if name == '__metadata__': continue",
            "    a, b = t['data_offsets']",
            "    w[name] = torch.frombuffer(bytearray(raw[8 + n + a:8 + n + b]), dtype=torch.float32).reshape(t['shape'])",
            "");

    private static final String SCRIPT = READ_WEIGHTS + String.join("\n",
            "L, C, H = cfg['layers'], cfg['width'], cfg['heads']",
            "x = torch.tensor(ids).unsqueeze(0)",
            "T = x.shape[1]",
            "h = w['transformer.wte.weight'][x] + w['transformer.wpe.weight'][:T]",
            "mask = torch.full((T, T), float('-inf')).triu(1)",
            "for i in range(L):",
            "    p = 'transformer.h.%d.' % i",
            "    a = F.layer_norm(h, (C,), w[p + 'ln_1.weight'], w[p + 'ln_1.bias'])",
            "    q, k, v = F.linear(a, w[p + 'attn.c_attn.weight'], w[p + 'attn.c_attn.bias']).split(C, dim=2)",
            "    q, k, v = [z.view(1, T, H, C // H).transpose(1, 2) for z in (q, k, v)]",
            "    att = (q @ k.transpose(-2, -1) / math.sqrt(C // H) + mask).softmax(-1)",
            "    y = (att @ v).transpose(1, 2).reshape(1, T, C)",
            "    h = h + F.linear(y, w[p + 'attn.c_proj.weight'], w[p + 'attn.c_proj.bias'])",
            "    m = F.layer_norm(h, (C,), w[p + 'ln_2.weight'], w[p + 'ln_2.bias'])",
            "    m = F.linear(F.gelu(F.linear(m, w[p + 'mlp.c_fc.weight'], w[p + 'mlp.c_fc.bias'])), w[p + 'mlp.c_proj.weight'], w[p + 'mlp.c_proj.bias'])",
            "    h = h + m",
            "h = F.layer_norm(h, (C,), w['transformer.ln_f.weight'], w['transformer.ln_f.bias'])",
            "print(json.dumps((h @ w['transformer.wte.weight'].T)[0].tolist()))",
            "");

    /** Hugging Face's modeling_llama forward, reduced to one sequence: reads HF names and an HF config.json. */
    private static final String LLAMA_SCRIPT = READ_WEIGHTS + String.join("\n",
            "L, C, H, KV = cfg['num_hidden_layers'], cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_key_value_heads']",
            "D, eps = C // H, cfg['rms_norm_eps']",
            "def rms(x, g):",
            "    return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))",
            "def rotate_half(x):",
            "    return torch.cat((-x[..., D // 2:], x[..., :D // 2]), dim=-1)",
            "x = torch.tensor(ids).unsqueeze(0)",
            "T = x.shape[1]",
            "inv_freq = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))",
            "freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]",
            "emb = torch.cat((freqs, freqs), dim=-1)",
            "cos, sin = emb.cos(), emb.sin()",
            "mask = torch.full((T, T), float('-inf')).triu(1)",
            "h = w['model.embed_tokens.weight'][x]",
            "for i in range(L):",
            "    p = 'model.layers.%d.' % i",
            "    a = rms(h, w[p + 'input_layernorm.weight'])",
            "    q = F.linear(a, w[p + 'self_attn.q_proj.weight']).view(1, T, H, D).transpose(1, 2)",
            "    k = F.linear(a, w[p + 'self_attn.k_proj.weight']).view(1, T, KV, D).transpose(1, 2)",
            "    v = F.linear(a, w[p + 'self_attn.v_proj.weight']).view(1, T, KV, D).transpose(1, 2)",
            "    q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin",
            "    k, v = k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1)",
            "    att = (q @ k.transpose(-2, -1) / math.sqrt(D) + mask).softmax(-1)",
            "    y = (att @ v).transpose(1, 2).reshape(1, T, C)",
            "    h = h + F.linear(y, w[p + 'self_attn.o_proj.weight'])",
            "    m = rms(h, w[p + 'post_attention_layernorm.weight'])",
            "    h = h + F.linear(F.silu(F.linear(m, w[p + 'mlp.gate_proj.weight'])) * F.linear(m, w[p + 'mlp.up_proj.weight']), w[p + 'mlp.down_proj.weight'])",
            "h = rms(h, w['model.norm.weight'])",
            "head = w['model.embed_tokens.weight'] if cfg['tie_word_embeddings'] else w['lm_head.weight']",
            "print(json.dumps((h @ head.T)[0].tolist()))",
            "");

    @Test
    void llamaLogitsMatchAPyTorchImplementation(@TempDir Path tmp) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && run(tmp, python.toString(), "-c", "import torch").exit() == 0,
                "Debian's python3-torch is not installed");
        ObjectMapper json = new ObjectMapper();
        try (Policy p = LlamaTest.imported(tmp, false, 31)) {
            Path script = tmp.resolve("llama.py");
            Files.writeString(script, LLAMA_SCRIPT);
            int[] ids = p.tokenizer().encode("def f(x):\n    return x * 2\n");
            Result proc = run(tmp, python.toString(), script.toString(), tmp.resolve("llama-false-31.safetensors").toString(),
                    json.writeValueAsString(json.readTree(LlamaTest.hfConfig(false))), json.writeValueAsString(ids));
            String out = proc.output();
            assertThat(proc.exit()).as(out).isZero();
            JsonNode ref = json.readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
            float[][] logits = TestModels.logits(p, ids);
            assertThat(ref.size()).isEqualTo(ids.length);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < logits[t].length; v++) assertThat(logits[t][v]).isCloseTo((float) ref.get(t).get(v).asDouble(), within(2e-4f));
            }
        }
    }

    @Test
    void logitsMatchAPyTorchImplementation(@TempDir Path tmp) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python) && run(tmp, python.toString(), "-c", "import torch").exit() == 0,
                "Debian's python3-torch is not installed");
        ObjectMapper json = new ObjectMapper();
        try (Policy p = TestModels.microPolicy(8)) {
            // a few steps of training so the weights are not at their symmetric initial values
            Sft.run(java.util.List.of(new SftExample("x", "# hi\n", "print('hi')\n")), p,
                    new Sft.Options(5, 1, 1, TestModels.noWarmup(1e-2), 1, 0));
            Path dir = p.save(tmp.resolve("ckpt")).dir();
            Path script = tmp.resolve("ref.py");
            Files.writeString(script, SCRIPT);
            int[] ids = p.tokenizer().encode("def f(x):\n    return x * 2\n");
            Result proc = run(tmp, python.toString(), script.toString(), dir.resolve("model.safetensors").toString(),
                    json.writeValueAsString(json.readTree(p.config().toJson())), json.writeValueAsString(ids));
            String out = proc.output();
            assertThat(proc.exit()).as(out).isZero();
            JsonNode ref = json.readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
            float[][] logits = TestModels.logits(p, ids);
            assertThat(ref.size()).isEqualTo(ids.length);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < logits[t].length; v++) assertThat(logits[t][v]).isCloseTo((float) ref.get(t).get(v).asDouble(), within(2e-4f));
            }
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(Path dir, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // drain first: the output exceeds a pipe buffer
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), out);
    }
}
