package org.rltf.kernel;

/**
 * Seed derivation, written once: every random draw of a run derives its seed from the run seed and the draw's
 * coordinates (step, version, round, ...) through SplitMix64's finaliser, never from a clock or a shared stream, so
 * it depends on what is drawn and not on when.
 */
public final class Seeds {
    /** Largest recorded seed: 2^53 - 1, so every seed in an event decodes exactly in JavaScript and other doubles-only Avro readers. */
    public static final long MAX_RECORDED = (1L << 53) - 1;

    private Seeds() {
    }

    /** SplitMix64's finaliser: a bijection of 64-bit values that mixes every input bit into every output bit. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
