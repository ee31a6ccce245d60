package org.rltf.policy;

import java.util.List;

/**
 * How {@link Policy#sample} draws completions.
 *
 * @param temperature  0 = greedy (argmax, lowest id on ties); otherwise logits are divided by it
 * @param topP         nucleus sampling: keep the most probable tokens whose mass reaches topP (1 = all)
 * @param maxNewTokens most tokens generated per prompt (eos included)
 * @param stopStrings  generation of a row stops once its text contains one of these
 * @param seed         row i draws from its own generator seeded with {@code seed + i}
 */
public record SamplingParams(float temperature, float topP, int maxNewTokens, List<String> stopStrings, long seed) {
    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    public boolean isGreedy() { return temperature == 0f; }
}
