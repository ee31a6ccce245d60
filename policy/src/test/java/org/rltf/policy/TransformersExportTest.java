package org.rltf.policy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our exports loaded by transformers itself ({@code AutoModelForCausalLM} and {@code AutoTokenizer}
 * .from_pretrained): the same logits and the same token ids. Runs where a Python with torch and
 * transformers is found: {@code -Drltf.test.python=...}, env {@code RLTF_TEST_PYTHON}, else
 * {@code python3}; skipped otherwise (CI does not install them).
 */
class TransformersExportTest {
    static { TestModels.micro(); }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TEXTS = List.of("def f(x):\n    return x * 2\n", "naïve ünïcödé — ✓ 😀", "", " leading space\ttab\r\n", "a\u0000b");
    private static final String SCRIPT = String.join("\n",
            "import json, sys, torch",
            "from transformers import AutoModelForCausalLM, AutoTokenizer",
            "d, ids, texts = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])",
            "model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()",
            "tok = AutoTokenizer.from_pretrained(d)",
            "with torch.no_grad():",
            "    logits = model(torch.tensor([ids])).logits[0]",
            "enc = [tok(t, add_special_tokens=False)['input_ids'] for t in texts]",
            "print(json.dumps({'class': type(model).__name__, 'logits': logits.tolist(), 'encoded': enc, 'eos': tok.eos_token_id}))",
            "");

    private static String python;

    @BeforeAll
    static void findTransformers() {
        String p = System.getProperty("rltf.test.python", System.getenv().getOrDefault("RLTF_TEST_PYTHON", "python3"));
        try {
            Process proc = new ProcessBuilder(p, "-c", "import torch, transformers").redirectErrorStream(true).start();
            proc.getInputStream().readAllBytes();
            if (proc.waitFor(120, TimeUnit.SECONDS) && proc.exitValue() == 0) python = p;
        } catch (Exception e) {
            python = null;
        }
    }

    private static JsonNode transformers(Path dir, int[] ids, Path tmp) throws Exception {
        assumeTrue(python != null, "no Python with torch and transformers (set -Drltf.test.python)");
        Path script = tmp.resolve("load.py");
        Files.writeString(script, SCRIPT);
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), dir.toString(), JSON.writeValueAsString(ids), JSON.writeValueAsString(TEXTS))
                .redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("HF_HUB_OFFLINE", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return JSON.readTree(out.strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    private static void assertSame(Policy p, int[] ids, JsonNode hf) {
        assertSameLogits(p, ids, hf);
        for (int i = 0; i < TEXTS.size(); i++) assertThat(ints(hf.get("encoded").get(i))).as("encoding of %s", TEXTS.get(i)).containsExactly(p.tokenizer().encode(TEXTS.get(i)));
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int k = 0; k < out.length; k++) out[k] = a.get(k).asInt();
        return out;
    }

    private static void assertSameLogits(Policy p, int[] ids, JsonNode hf) {
        float[][] ours = TestModels.logits(p, ids);
        JsonNode logits = hf.get("logits");
        assertThat(logits.size()).isEqualTo(ids.length);
        for (int t = 0; t < ids.length; t++) {
            for (int v = 0; v < ours[t].length; v++) assertThat(ours[t][v]).as("position %d token %d", t, v).isCloseTo((float) logits.get(t).get(v).asDouble(), within(1e-4f));
        }
        assertThat(hf.get("eos").asInt()).isEqualTo(p.tokenizer().eosId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3", "llama-linear", "qwen2"})
    void transformersLoadsAnExportOfAnImportedModel(String name, @TempDir Path tmp) throws Exception {
        Path ckpt = HfImport.importModel(HfModelsTest.fixture(name), tmp.resolve("ckpt")).checkpoint().dir();
        Path trained;
        try (Policy p = Policy.load(ckpt)) { // trained a little, so the export is not the fixture itself
            Sft.run(List.of(new SftExample("a", "# add\n", "def add(a, b):\n    return a + b\n")), p, new Sft.Options(2, 1, 1, TestModels.noWarmup(1e-2), 1, 0));
            trained = p.save(tmp.resolve("trained")).dir();
        }
        Path hf = HfExport.export(trained, tmp.resolve("hf"), "float32", HfExport.DEFAULT_SHARD_BYTES).dir();
        int[] ids = HfModelsTest.referenceIds(name);
        JsonNode out = transformers(hf, ids, tmp);
        try (Policy p = Policy.load(trained)) {
            if (!name.equals("qwen2")) {
                assertSame(p, ids, out);
                return;
            }
            // transformers 5 tokenizes model_type qwen2 with its own Qwen2Tokenizer pre-tokenizer rather than the
            // tokenizer.json's (this fixture's tokenizer is not Qwen's), so it is held to how transformers reads the original
            assertSameLogits(p, ids, out);
            JsonNode original = transformers(HfModelsTest.fixture(name), ids, tmp);
            assertThat(out.get("encoded")).isEqualTo(original.get("encoded"));
        }
    }

    @Test
    void transformersLoadsAnExportOfAModelTrainedFromScratch(@TempDir Path tmp) throws Exception {
        Path ckpt;
        try (Policy p = Policy.create(TestModels.micro(), Tokenizer.bytes(), 4, Device.cpu())) {
            Sft.run(List.of(new SftExample("a", "# hi\n", "print('hi')\n")), p, new Sft.Options(3, 1, 1, TestModels.noWarmup(1e-2), 1, 0));
            ckpt = p.save(tmp.resolve("ckpt")).dir();
        }
        Path hf = HfExport.export(ckpt, tmp.resolve("hf"), null, HfExport.DEFAULT_SHARD_BYTES).dir();
        assertThat(JSON.readTree(hf.resolve("config.json").toFile()).get("model_type").asText()).isEqualTo("gpt2");
        try (Policy p = Policy.load(ckpt)) {
            int[] ids = p.tokenizer().encode("def f(x):\n    return x * 2\n");
            JsonNode out = transformers(hf, ids, tmp);
            assertThat(out.get("class").asText()).isEqualTo("GPT2LMHeadModel");
            assertSame(p, ids, out);
        }
    }
}
