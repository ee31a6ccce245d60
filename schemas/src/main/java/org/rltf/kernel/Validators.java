package org.rltf.kernel;

import java.math.BigDecimal;
import java.util.Objects;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Validators that say what they accept. Kafka prints a validator's {@code toString()} as a key's "Valid Values" in
 * help text and in {@code ConfigDef.toRst()}; a lambda prints as {@code $$Lambda$...}, so every custom validator
 * of the project is wrapped here with the sentence a user reads.
 *
 * <p>The numeric ones are for {@code Type.DOUBLE} keys and refuse NaN and the infinities: Kafka's
 * {@code ConfigDef.Range} compares with {@code <} and {@code >}, which are false for NaN, so
 * {@code Range.between(0.0, 1.0)} accepts {@code NaN}, and a NaN weight or share spreads through every loss.
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

    /** Any finite number. */
    public static ConfigDef.Validator finite() {
        return number("a finite number", v -> true);
    }

    /** A finite number {@code >= min}. */
    public static ConfigDef.Validator atLeast(double min) {
        return number("a finite number >= " + plain(min), v -> v >= min);
    }

    /** A finite number {@code > min}. */
    public static ConfigDef.Validator greaterThan(double min) {
        return number("a finite number > " + plain(min), v -> v > min);
    }

    /** A number in {@code [min, max]}. */
    public static ConfigDef.Validator between(double min, double max) {
        return number("[" + plain(min) + ",...," + plain(max) + "]", v -> v >= min && v <= max);
    }

    /** A number in {@code (min, max]}, e.g. a top-p. */
    public static ConfigDef.Validator openClosed(double min, double max) {
        return number("(" + plain(min) + ",...," + plain(max) + "]", v -> v > min && v <= max);
    }

    /** A number in {@code [min, max)}, e.g. an Adam beta. */
    public static ConfigDef.Validator closedOpen(double min, double max) {
        return number("[" + plain(min) + ",...," + plain(max) + ")", v -> v >= min && v < max);
    }

    private interface DoubleCheck {
        boolean accepts(double v);
    }

    private static ConfigDef.Validator number(String validValues, DoubleCheck check) {
        return described(validValues, (name, value) -> {
            if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || !check.accepts(n.doubleValue()))
                throw new ConfigException(name, value, "must be " + validValues);
        });
    }

    /** 0.01 as "0.01" and 1000.0 as "1000", as a user wrote them. */
    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
