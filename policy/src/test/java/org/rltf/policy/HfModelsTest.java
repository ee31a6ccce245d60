package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Tiny random Hugging Face models, one per architecture, made once by transformers
 * (resources/hf/generate_fixtures.py) and committed with transformers' logits for a fixed input:
 * gpt2 (gelu_new, tied), llama3 (rope_scaling llama3, head_dim 16 with hidden 32 / 4 heads, GQA,
 * untied), llama-linear (rope_scaling linear, tied) and qwen2 (q/k/v biases, rope_theta 1e6, tied,
 * bf16, three shards). Each is imported, checked against those logits, sampled with the KV cache
 * against recomputation, trained a step, saved and reloaded, and exported back.
 */
class HfModelsTest {
    static { TestModels.micro(); }

    static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String name) {
        try {
            return Path.of(HfModelsTest.class.getResource("/hf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static int[] referenceIds(String name) throws Exception {
        JsonNode ref = JSON.readTree(fixture(name).resolve("reference.json").toFile());
        int[] ids = new int[ref.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = ref.get("input_ids").get(i).asInt();
        return ids;
    }

    static Safetensors.Tensor referenceLogits(String name) throws Exception {
        return Safetensors.read(fixture(name).resolve("reference.safetensors")).tensors().get("logits");
    }

    static void assertLogits(float[][] got, Safetensors.Tensor expected, float tolerance, String what) {
        int v = (int) expected.shape()[1];
        assertThat(got).hasNumberOfRows((int) expected.shape()[0]);
        for (int t = 0; t < got.length; t++) {
            for (int k = 0; k < v; k++) {
                assertThat(got[t][k]).as("%s position %d token %d", what, t, k).isCloseTo(expected.data()[t * v + k], within(tolerance));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3", "llama-linear", "qwen2"})
    void importMatchesTransformersLogits(String name, @TempDir Path tmp) throws Exception {
        HfImport.Result r = HfImport.importModel(fixture(name), tmp.resolve("ckpt"));
        assertThat(r.config().architecture()).isEqualTo(name.startsWith("llama") ? "llama" : name);
        try (Policy p = Policy.load(r.checkpoint().dir())) {
            assertThat(p.checkpointSha256()).isEqualTo(r.checkpoint().sha256());
            JsonNode ref = JSON.readTree(fixture(name).resolve("reference.json").toFile());
            assertThat(p.tokenizer().encode(ref.get("text").asText())).containsExactly(referenceIds(name)); // the tokenizer travels too
            assertLogits(TestModels.logits(p, referenceIds(name)), referenceLogits(name), 1e-4f, name);
        }
        // importing again gives the same checkpoint, bit for bit
        assertThat(HfImport.importModel(fixture(name), tmp.resolve("again")).checkpoint().sha256()).isEqualTo(r.checkpoint().sha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3", "qwen2"})
    void kvCacheSamplingEqualsRecomputation(String name, @TempDir Path tmp) throws Exception {
        Path ckpt = HfImport.importModel(fixture(name), tmp.resolve("ckpt")).checkpoint().dir();
        try (Policy p = Policy.load(ckpt)) {
            Tokenizer tok = p.tokenizer();
            List<int[]> prompts = List.of(tok.encode("def f(x):"), tok.encode("a"), new int[0], tok.encode("for i in range(3):\n    print(i)"));
            for (SamplingParams params : List.of(new SamplingParams(1f, 0.9f, 24, List.of(), 7), TestModels.greedy(24))) {
                List<Completion> got = p.sample(prompts, params);
                for (int i = 0; i < prompts.size(); i++) {
                    int[] ref = LlamaTest.referenceSample(p, prompts.get(i), params, params.seed() + i);
                    assertThat(got.get(i).tokenIds()).as("%s row %d, %s", name, i, params).containsExactly(ref);
                    float[] lps = LlamaTest.referenceLogProbs(p, prompts.get(i), params, ref);
                    for (int k = 0; k < lps.length; k++) assertThat(got.get(i).logProbs()[k]).isCloseTo(lps[k], within(1e-4f));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3", "qwen2"})
    void anImportedModelTrainsThroughPolicyLoad(String name, @TempDir Path tmp) throws Exception {
        Path ckpt = HfImport.importModel(fixture(name), tmp.resolve("ckpt")).checkpoint().dir();
        int[] ids = referenceIds(name);
        float[][] before;
        Path trained;
        try (Policy p = Policy.load(ckpt)) {
            before = TestModels.logits(p, ids);
            List<SftExample> examples = List.of(new SftExample("a", "# add\n", "def add(a, b):\n    return a + b\n"));
            Sft.Result r = Sft.run(examples, p, new Sft.Options(3, 1, 1, TestModels.noWarmup(1e-2), 1, 0));
            assertThat(r.losses()).allSatisfy(l -> assertThat(l).isFinite());
            assertThat(r.finalLoss()).isLessThan(r.losses().get(0));
            trained = p.save(tmp.resolve("trained")).dir();
        }
        // the trained checkpoint keeps the imported model's Hugging Face files and its tokenizer
        assertThat(Files.readAllBytes(trained.resolve("hf/config.json"))).isEqualTo(Files.readAllBytes(fixture(name).resolve("config.json")));
        assertThat(Files.readAllBytes(trained.resolve("tokenizer_config.json"))).isEqualTo(Files.readAllBytes(fixture(name).resolve("tokenizer_config.json")));
        try (Policy q = Policy.load(trained)) {
            float[][] after = TestModels.logits(q, ids);
            assertThat(after[0][0]).isNotEqualTo(before[0][0]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3", "llama-linear", "qwen2"})
    void exportGivesBackTheImportedTensorsBitForBit(String name, @TempDir Path tmp) throws Exception {
        HfImport.Result r = HfImport.importModel(fixture(name), tmp.resolve("ckpt"));
        // small shards, so the single-file fixtures export sharded and the sharded one as well
        HfExport.Result e = HfExport.export(r.checkpoint().dir(), tmp.resolve("hf"), null, 30_000);
        assertThat(e.weightFiles()).contains(HfWeightFiles.INDEX);
        try (HfWeightFiles original = HfWeightFiles.open(fixture(name)); HfWeightFiles exported = HfWeightFiles.open(e.dir())) {
            List<String> names = new ArrayList<>(original.shapes().keySet());
            if (r.config().arch() instanceof LlamaConfig l && l.tiedHead()) names.remove("lm_head.weight");
            assertThat(exported.shapes().keySet()).containsExactlyInAnyOrderElementsOf(names);
            for (String t : names) {
                assertThat(exported.dtype(t)).as(t).isEqualTo(original.dtype(t));
                assertThat(exported.shapes().get(t)).as(t).containsExactly(original.shapes().get(t));
                assertThat(exported.raw(t)).as("%s bytes", t).isEqualTo(original.raw(t));
            }
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            assertThat(Files.readAllBytes(e.dir().resolve(f))).as(f).isEqualTo(Files.readAllBytes(fixture(name).resolve(f)));
        }
        // the exported config.json describes the same model, and re-importing the export gives the same weights
        JsonNode cfg = JSON.readTree(e.dir().resolve("config.json").toFile());
        assertThat(cfg.get("model_type").asText()).isEqualTo(JSON.readTree(fixture(name).resolve("config.json").toFile()).get("model_type").asText());
        HfImport.Result again = HfImport.importModel(e.dir(), tmp.resolve("again"));
        assertThat(again.config()).isEqualTo(r.config());
        assertThat(Files.readAllBytes(again.checkpoint().dir().resolve(Checkpoints.WEIGHTS)))
                .isEqualTo(Files.readAllBytes(r.checkpoint().dir().resolve(Checkpoints.WEIGHTS)));
        try (Policy p = Policy.load(again.checkpoint().dir())) {
            assertLogits(TestModels.logits(p, referenceIds(name)), referenceLogits(name), 1e-4f, name + " re-imported");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"float32", "bfloat16"})
    void exportTakesADtype(String dtype, @TempDir Path tmp) throws Exception {
        HfImport.Result r = HfImport.importModel(fixture("llama-linear"), tmp.resolve("ckpt"));
        HfExport.Result e = HfExport.export(r.checkpoint().dir(), tmp.resolve("hf"), dtype, HfExport.DEFAULT_SHARD_BYTES);
        assertThat(e.weightFiles()).containsExactly(HfWeightFiles.SINGLE);
        try (SafetensorsFile f = SafetensorsFile.open(e.dir().resolve(HfWeightFiles.SINGLE))) {
            assertThat(f.dtype("model.norm.weight")).isEqualTo(HfExport.safetensorsDtype(dtype));
        }
        assertThat(JSON.readTree(e.dir().resolve("config.json").toFile()).path("dtype").asText()).isEqualTo(dtype);
    }

    /** Each setting the models here do not compute is refused at import, naming the key. */
    @ParameterizedTest
    @ValueSource(strings = {
        "llama3|\"hidden_act\": \"silu\"|\"hidden_act\": \"gelu\"|hidden_act",
        "llama3|\"rope_type\": \"llama3\"|\"rope_type\": \"yarn\"|rope_parameters.rope_type",
        "llama3|\"attention_bias\": false|\"attention_bias\": true|attention_bias",
        "llama3|\"mlp_bias\": false|\"mlp_bias\": true|mlp_bias",
        "qwen2|\"use_sliding_window\": false|\"use_sliding_window\": true|use_sliding_window",
        "qwen2|\"full_attention\"|\"sliding_attention\"|layer_types",
        "qwen2|\"model_type\": \"qwen2\"|\"model_type\": \"qwen3\"|model_type",
        "gpt2|\"activation_function\": \"gelu_new\"|\"activation_function\": \"relu\"|activation_function",
        "gpt2|\"scale_attn_by_inverse_layer_idx\": false|\"scale_attn_by_inverse_layer_idx\": true|scale_attn_by_inverse_layer_idx",
        "gpt2|\"n_inner\": null|\"n_inner\": 64|n_inner"})
    void unsupportedSettingsAreRefusedByName(String spec, @TempDir Path tmp) throws Exception {
        String[] f = spec.split("\\|");
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (var files = Files.list(fixture(f[0]))) {
            for (Path p : files.toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        String cfg = Files.readString(dir.resolve("config.json"));
        assertThat(cfg).contains(f[1]);
        Files.writeString(dir.resolve("config.json"), cfg.replace(f[1], f[2]));
        assertThatThrownBy(() -> HfImport.importModel(dir, tmp.resolve("ckpt"))).isInstanceOf(CheckpointException.class).hasMessageContaining(f[3]);
        assertThat(tmp.resolve("ckpt")).doesNotExist();
    }

    @Test
    void theByteTokenizerAsTokenizerJsonEncodesIdentically(@TempDir Path tmp) throws Exception {
        Path tj = tmp.resolve("tokenizer.json");
        Files.writeString(tj, ByteTokenizer.huggingFaceJson());
        Tokenizer bytes = Tokenizer.bytes();
        try (Tokenizer hf = Tokenizer.huggingFace(tj)) { // loaded by the Hugging Face tokenizers library (DJL's binding)
            assertThat(hf.vocabSize()).isEqualTo(bytes.vocabSize());
            assertThat(hf.eosId()).isEqualTo(bytes.eosId());
            StringBuilder all = new StringBuilder();
            for (int c = 0; c < 0x800; c++) if (!Character.isSurrogate((char) c)) all.append((char) c);
            for (String text : List.of("def f(x):\n    return x * 2\n", "  two  spaces, a\ttab\r\n", "naïve ünïcödé — ✓ 😀 𝔘", "", all.toString())) {
                assertThat(hf.encode(text)).as(text).containsExactly(bytes.encode(text));
                assertThat(hf.decode(bytes.encode(text)).text()).isEqualTo(text);
            }
        }
    }
}
