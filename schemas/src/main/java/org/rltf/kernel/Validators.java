package org.rltf.kernel;

import java.util.Objects;

import org.apache.kafka.common.config.ConfigDef;

/**
 * Validators that say what they accept. Kafka prints a validator's {@code toString()} as a key's "Valid Values" in
 * help text and in {@code ConfigDef.toRst()}; a lambda prints as {@code $$Lambda$...}, so every custom validator
 * of the project is wrapped here with the sentence a user reads.
 */
public final class Validators {
    private Validators() {
    }

    /** {@code check}, described as {@code validValues} (e.g. "a run name: letters, digits, '_' and '-'"). */
    public static ConfigDef.Validator described(String validValues, ConfigDef.Validator check) {
        Objects.requireNonNull(validValues);
        Objects.requireNonNull(check);
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                check.ensureValid(name, value);
            }

            @Override
            public String toString() {
                return validValues;
            }
        };
    }
}
