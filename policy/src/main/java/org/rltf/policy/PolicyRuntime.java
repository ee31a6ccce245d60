package org.rltf.policy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Locale;

/**
 * Process-wide settings of the model runtime. DJL must be told to stay offline before anything
 * touches {@link Engine}: without {@code ai.djl.offline} it may try to download a native library or
 * call home, and the tokenizers jar registers a second engine that must not become the default.
 * Every entry class of this module calls {@link #configureOffline()} from its static initializer,
 * so the properties are in place whichever class a caller touches first.
 *
 * <p>GPUs: the default build bundles the CPU libtorch. {@code mvn -Pcuda} leaves it out, and DJL
 * loads a local CUDA 12.8 libtorch 2.7.1 named by {@code PYTORCH_LIBRARY_PATH} (with
 * {@code PYTORCH_VERSION=2.7.1}, {@code PYTORCH_FLAVOR=cu128}; pytorch-jni carries the matching JNI
 * library), since DJL's CUDA libtorch jars are not on Maven Central and nothing may be downloaded.
 */
public final class PolicyRuntime {
    /** System property choosing the device: {@code auto} (default: GPU when the engine sees one), {@code cpu}, {@code gpu}, {@code gpu(N)}. */
    public static final String DEVICE_PROPERTY = "rltf.policy.device";

    static { configureOffline(); }

    private PolicyRuntime() {}

    /** Sets the offline/engine properties unless the caller already set them. Idempotent. */
    public static void configureOffline() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** The PyTorch engine (loads the bundled native library on first use; never downloads). */
    public static Engine engine() {
        configureOffline();
        return Engine.getEngine("PyTorch");
    }

    /** The device chosen at start-up: {@value #DEVICE_PROPERTY} when set, else the first GPU the engine reports, else the CPU. */
    public static Device defaultDevice() {
        String spec = System.getProperty(DEVICE_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        Engine engine = engine();
        switch (spec) {
            case "auto":
                return hasGpu(engine) ? Device.gpu() : Device.cpu();
            case "cpu":
                return Device.cpu();
            case "gpu":
                requireGpu(engine, spec);
                return Device.gpu();
            default:
                if (spec.matches("gpu\\(\\d+\\)")) {
                    requireGpu(engine, spec);
                    return Device.gpu(Integer.parseInt(spec.substring(4, spec.length() - 1)));
                }
                throw new IllegalArgumentException(DEVICE_PROPERTY + "=" + spec + ": expected auto, cpu, gpu or gpu(N)");
        }
    }

    /** libtorch's intra-op thread count now (the engine loads on first use). CPU results depend on it. */
    public static int threads() {
        engine();
        return JniUtils.getNumThreads();
    }

    /** libtorch's inter-op thread count now. */
    public static int interopThreads() {
        engine();
        return JniUtils.getNumInteropThreads();
    }

    /**
     * Sets libtorch's intra-op thread count for what runs from now on, e.g. to a recorded run's before replaying
     * it: a CPU reduction splits its work by thread, so the last bits of a sum depend on the count.
     */
    public static void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        engine();
        JniUtils.setNumThreads(threads);
    }

    /** Asks for a GPU count only with the CUDA flavour of libtorch (the CPU one makes DJL log a CUDA warning). */
    private static boolean hasGpu(Engine engine) {
        return engine.hasCapability(StandardCapabilities.CUDA) && engine.getGpuCount() > 0;
    }

    private static void requireGpu(Engine engine, String spec) {
        if (!hasGpu(engine)) {
            throw new IllegalArgumentException(DEVICE_PROPERTY + "=" + spec + " but the PyTorch engine reports no GPU"
                    + " (is the CUDA flavour of pytorch-native on the class path? build with -Pcuda)");
        }
    }
}
