package org.rltf.policy;

/** A supervised example: the model learns to write {@code completion} (then eos) after {@code prompt}. */
public record SftExample(String id, String prompt, String completion) {
    public SftExample {
        if (id == null || prompt == null || completion == null) throw new IllegalArgumentException("SftExample fields must not be null");
    }
}
