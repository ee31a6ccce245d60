package org.rltf.policy;

import ai.djl.Device;

/** Small models for tests: every test runs on the CPU with the thread count the build sets. */
final class TestModels {
    static {
        PolicyRuntime.configureOffline();
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) System.setProperty("ai.djl.pytorch.num_threads", "2");
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    private TestModels() {}

    /** 2 layers, width 32, 2 heads, context 64, byte vocabulary. */
    static ModelConfig micro() {
        return new ModelConfig(2, 32, 2, 64, ByteTokenizer.VOCAB_SIZE, ByteTokenizer.KIND);
    }

    static Policy microPolicy(long seed) {
        return Policy.create(micro(), Tokenizer.bytes(), seed, Device.cpu());
    }
}
