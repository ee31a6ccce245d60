package org.rltf.policy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    static { TestModels.micro(); }

    private static final int[] PROBE = Tokenizer.bytes().encode("def add(a, b):\n    return a + b");

    @Test
    void saveLoadRoundTripGivesIdenticalLogits(@TempDir Path tmp) throws Exception {
        try (Policy p = TestModels.microPolicy(1)) {
            CheckpointInfo info = p.save(tmp.resolve("ckpt"));
            assertThat(info.sha256()).hasSize(64).isEqualTo(Checkpoints.sha256(info.dir())).isEqualTo(Checkpoints.verify(info.dir()));
            assertThat(info.sizeBytes()).isGreaterThan(4 * TestModels.micro().parameterCount());
            // by hand: wte 257 x 32 = 8224, wpe 64 x 32 = 2048; per block ln_1 and ln_2 128, c_attn 3072 + 96,
            // attn.c_proj 1024 + 32, c_fc 4096 + 128, mlp.c_proj 4096 + 32, so 12704, x 2 blocks = 25408; ln_f 64
            assertThat(TestModels.micro().parameterCount()).isEqualTo(8224 + 2048 + 25408 + 64);
            assertThat(Files.readString(info.dir().resolve("config.json"))).contains("\"tokenizerKind\" : \"bytes\"");
            try (Policy q = Policy.load(info.dir())) {
                assertThat(q.config()).isEqualTo(p.config());
                assertThat(q.checkpointSha256()).isEqualTo(info.sha256());
                assertThat(TestModels.logits(q, PROBE)).isDeepEqualTo(TestModels.logits(p, PROBE));
                // saving the same weights again gives the same digest
                assertThat(q.save(tmp.resolve("again")).sha256()).isEqualTo(info.sha256());
            }
            // the safetensors file uses nanoGPT names
            Safetensors.Contents c = Safetensors.read(info.dir().resolve("model.safetensors"));
            assertThat(c.tensors()).containsKeys("transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", "transformer.ln_f.bias");
            assertThat(c.tensors().get("transformer.h.1.attn.c_attn.weight").shape()).containsExactly(96, 32);
        }
    }

    @Test
    void tamperedOrMismatchedCheckpointIsRefused(@TempDir Path tmp) throws Exception {
        try (Policy p = TestModels.microPolicy(1)) {
            Path dir = p.save(tmp.resolve("ckpt")).dir();
            String sha = Checkpoints.sha256(dir);
            assertThatThrownBy(() -> Policy.load(dir, "00" + sha.substring(2), Device.cpu()))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("was expected");
            Path weights = dir.resolve("model.safetensors");
            byte[] bytes = Files.readAllBytes(weights);
            bytes[bytes.length - 3] ^= 1;
            Files.write(weights, bytes);
            assertThatThrownBy(() -> Policy.load(dir)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("model.safetensors has SHA-256");
            assertThatThrownBy(() -> p.loadWeights(dir, null)).isInstanceOf(CheckpointException.class);
            assertThatThrownBy(() -> Checkpoints.verify(dir)).isInstanceOf(CheckpointException.class);
            Files.delete(weights);
            assertThatThrownBy(() -> Policy.load(dir)).isInstanceOf(CheckpointException.class).hasMessageContaining("missing");
            assertThatThrownBy(() -> Policy.load(tmp)).isInstanceOf(CheckpointException.class).hasMessageContaining("no manifest.json");
            assertThatThrownBy(() -> p.save(dir)).isInstanceOf(CheckpointException.class).hasMessageContaining("not empty");
        }
    }

    @Test
    void loadWeightsSwitchesInPlace(@TempDir Path tmp) {
        try (Policy a = TestModels.microPolicy(1); Policy b = TestModels.microPolicy(2)) {
            assertThat(TestModels.logits(a, PROBE)).isNotEqualTo(TestModels.logits(b, PROBE));
            CheckpointInfo info = b.save(tmp.resolve("b"));
            a.loadWeights(info.dir(), info.sha256());
            assertThat(TestModels.logits(a, PROBE)).isDeepEqualTo(TestModels.logits(b, PROBE));
            assertThat(a.checkpointSha256()).isEqualTo(info.sha256());
            try (Policy other = Policy.create(new ModelConfig(1, 32, 2, 64, 257, "bytes"), Tokenizer.bytes(), 1, Device.cpu())) {
                Path od = other.save(tmp.resolve("other")).dir();
                assertThatThrownBy(() -> a.loadWeights(od, null)).isInstanceOf(CheckpointException.class).hasMessageContaining("different model");
            }
        }
    }

    @Test
    void huggingFaceTokenizerTravelsWithTheCheckpoint(@TempDir Path tmp) throws Exception {
        Path tj = tmp.resolve("tokenizer.json");
        Files.writeString(tj, TokenizerTest.byteLevelBpe());
        Tokenizer tok = Tokenizer.huggingFace(tj);
        ModelConfig cfg = new ModelConfig(1, 32, 2, 64, tok.vocabSize(), tok.kind());
        try (Policy p = Policy.create(cfg, tok, 3, Device.cpu())) {
            CheckpointInfo info = p.save(tmp.resolve("ckpt"));
            assertThat(info.dir().resolve("tokenizer.json")).hasSameBinaryContentAs(tj);
            try (Policy q = Policy.load(info.dir())) {
                assertThat(q.tokenizer().kind()).isEqualTo("huggingface");
                assertThat(q.tokenizer().encode("def x")).containsExactly(tok.encode("def x"));
                int[] ids = tok.encode("def def");
                assertThat(TestModels.logits(q, ids)).isDeepEqualTo(TestModels.logits(p, ids));
            }
        }
        // an eos named explicitly (not one of the usual names) survives the round trip
        Tokenizer custom = Tokenizer.huggingFace(tj, "def");
        try (Policy p = Policy.create(new ModelConfig(1, 32, 2, 64, custom.vocabSize(), custom.kind()), custom, 3, Device.cpu())) {
            CheckpointInfo info = p.save(tmp.resolve("custom"));
            try (Policy q = Policy.load(info.dir())) {
                assertThat(q.tokenizer().eosId()).isEqualTo(257).isEqualTo(custom.eosId());
            }
        }
    }

    @Test
    void gpt2NamesFromOtherToolsLoad(@TempDir Path tmp) throws Exception {
        try (Policy p = TestModels.microPolicy(5)) {
            // Hugging Face layout: no prefix, Conv1D (in, out) weights, plus the mask buffers HF files carry
            Path hf = tmp.resolve("hf.safetensors");
            p.exportGpt2(hf);
            Safetensors.Contents c = Safetensors.read(hf);
            assertThat(c.tensors()).containsKeys("wte.weight", "wpe.weight", "h.0.attn.c_attn.weight", "ln_f.weight");
            assertThat(c.tensors().get("h.0.attn.c_attn.weight").shape()).containsExactly(32, 96);
            assertThat(c.tensors().get("h.0.mlp.c_proj.weight").shape()).containsExactly(128, 32);
            LinkedHashMap<String, Safetensors.Tensor> withBuffers = new LinkedHashMap<>(c.tensors());
            withBuffers.put("h.0.attn.bias", new Safetensors.Tensor(new long[] {1, 1, 2, 2}, new float[] {1, 0, 1, 1}));
            withBuffers.put("lm_head.weight", c.tensors().get("wte.weight"));
            Safetensors.write(hf, withBuffers, Map.of("format", "pt"));
            try (Policy q = Policy.importGpt2(hf, p.config(), Tokenizer.bytes(), Device.cpu())) {
                assertThat(TestModels.logits(q, PROBE)).isDeepEqualTo(TestModels.logits(p, PROBE));
            }
            // nanoGPT layout: transformer. prefix, Linear (out, in) weights
            Path nano = tmp.resolve("nano.safetensors");
            Safetensors.write(nano, p.model().parameters().snapshot(), Map.of());
            try (Policy q = Policy.importGpt2(nano, p.config(), Tokenizer.bytes(), Device.cpu())) {
                assertThat(TestModels.logits(q, PROBE)).isDeepEqualTo(TestModels.logits(p, PROBE));
            }
            // wrong shape for the config is refused with a clear message
            ModelConfig wider = new ModelConfig(2, 64, 2, 64, 257, "bytes");
            assertThatThrownBy(() -> Policy.importGpt2(hf, wider, Tokenizer.bytes(), Device.cpu())).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("has shape");
        }
    }

    @Test
    void safetensorsBytesDoNotDependOnMetadataOrder() {
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("w", new Safetensors.Tensor(new long[] {2}, new float[] {1f, 2f}));
        LinkedHashMap<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        LinkedHashMap<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        assertThat(Safetensors.toBytes(t, ab)).isEqualTo(Safetensors.toBytes(t, ba));
    }

    @Test
    void safetensorsReadsHalfPrecisionAndRejectsBadOffsets() {
        String header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 6).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        buf.putShort((short) 0x3C00).putShort((short) 0xC000); // 1.0, -2.0 in F16
        buf.putShort((short) 0x3FC0);                            // 1.5 in BF16
        Safetensors.Contents c = Safetensors.read(buf.array(), "test");
        assertThat(c.tensors().get("a").data()).containsExactly(1f, -2f);
        assertThat(c.tensors().get("b").data()).containsExactly(1.5f);
        String bad = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}";
        byte[] hb = bad.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b2 = ByteBuffer.allocate(8 + hb.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b2.putLong(hb.length).put(hb);
        assertThatThrownBy(() -> Safetensors.read(b2.array(), "bad")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inconsistent");
    }
}
