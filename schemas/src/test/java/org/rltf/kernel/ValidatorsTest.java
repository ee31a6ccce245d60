package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ValidatorsTest {

    @Test
    void kafkasRangeLetsNaNThroughAndOursDoesNot() {
        // Why these validators exist: NaN < min and NaN > max are both false.
        assertThatCode(() -> ConfigDef.Range.between(0.0, 1.0).ensureValid("k", Double.NaN)).doesNotThrowAnyException();
        for (ConfigDef.Validator v : new ConfigDef.Validator[] {Validators.finite(), Validators.atLeast(0),
                Validators.greaterThan(0), Validators.between(0, 1), Validators.openClosed(0, 1), Validators.closedOpen(0, 1)}) {
            assertThatThrownBy(() -> v.ensureValid("k", Double.NaN)).as(v.toString()).isInstanceOf(ConfigException.class);
            assertThatThrownBy(() -> v.ensureValid("k", Double.POSITIVE_INFINITY)).as(v.toString())
                    .isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void theEndsAreIncludedOrNotAsNamed() {
        assertThatCode(() -> Validators.between(0, 1).ensureValid("k", 0.0)).doesNotThrowAnyException();
        assertThatCode(() -> Validators.between(0, 1).ensureValid("k", 1.0)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Validators.openClosed(0, 1).ensureValid("k", 0.0)).isInstanceOf(ConfigException.class);
        assertThatCode(() -> Validators.openClosed(0, 1).ensureValid("k", 1.0)).doesNotThrowAnyException();
        assertThatCode(() -> Validators.closedOpen(0, 1).ensureValid("k", 0.0)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Validators.closedOpen(0, 1).ensureValid("k", 1.0)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> Validators.greaterThan(0).ensureValid("k", 0.0)).isInstanceOf(ConfigException.class);
        assertThatCode(() -> Validators.atLeast(1).ensureValid("k", 1.0)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Validators.atLeast(1).ensureValid("k", 0.999)).isInstanceOf(ConfigException.class);
    }

    @Test
    void aKeyParsedFromTextIsCheckedAndTheErrorNamesKeyAndRange() {
        ConfigDef def = new ConfigDef().define("share", Type.DOUBLE, 0.5, Validators.between(0, 1), Importance.LOW, "a share");
        assertThat(def.parse(Map.of("share", "0.25"))).containsEntry("share", 0.25);
        assertThatThrownBy(() -> def.parse(Map.of("share", "NaN"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("share").hasMessageContaining("[0,...,1]");
    }

    @Test
    void theyDescribeThemselvesAsAUserWritesNumbers() {
        assertThat(Validators.between(0.01, 1000)).hasToString("[0.01,...,1000]");
        assertThat(Validators.openClosed(0, 1)).hasToString("(0,...,1]");
        assertThat(Validators.atLeast(1)).hasToString("a finite number >= 1");
        assertThat(Validators.greaterThan(0)).hasToString("a finite number > 0");
    }
}
