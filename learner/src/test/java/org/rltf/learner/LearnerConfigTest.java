package org.rltf.learner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class LearnerConfigTest {

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("run", "r1");
        m.put("bootstrap.servers", "localhost:9092");
        m.put("schema.registry.url", "http://localhost:8081");
        return m;
    }

    @Test
    void paperDefaults() {
        LearnerConfig c = new LearnerConfig(base());
        assertThat(c.trainer().lr()).isEqualTo(2e-6);
        assertThat(c.trainer().weightDecay()).isEqualTo(0.05);
        assertThat(c.trainer().gradClip()).isEqualTo(1.0);
        assertThat(c.trainer().warmupSteps()).isEqualTo(500);
        assertThat(c.checkpointInterval()).isEqualTo(50);
        assertThat(c.buffer().capacity()).isEqualTo(6400);
        assertThat(c.rlEnabled()).isTrue();
        assertThat(c.supervisedEnabled()).isTrue();
        assertThat(c.rewards().coarseEnabled() && c.rewards().adaptiveEnabled() && c.rewards().fineEnabled()).isTrue();
        assertThat(c.transactionalId()).isEqualTo("rltf-learner.r1");
    }

    @Test
    void theRewardSwitchesAreTheOnlyKeysOfTheRlTerms() {
        Map<String, Object> m = base();
        m.put("reward.fine.enabled", "false");
        m.put("reward.adaptive.enabled", false);
        LearnerConfig c = new LearnerConfig(m);
        assertThat(c.rewards().fineEnabled()).isFalse();
        assertThat(c.rewards().adaptiveEnabled()).isFalse();
        assertThat(c.rewards().coarseEnabled()).isTrue();
        assertThat(c.rlEnabled()).isTrue();
        assertThat(c.supervisedEnabled()).isTrue();
        // All three RL switches off: the learner derives that there is no RL term from the buffer's keys.
        m.put("reward.coarse.enabled", "false");
        assertThat(new LearnerConfig(m).rlEnabled()).isFalse();
        assertThat(LearnerConfig.CONFIG.names()).noneMatch(k -> k.matches("loss\\.(coarse|adaptive|fine)\\.enabled"));
    }

    @Test
    void theRemovedLossSwitchesAreRefusedNamingTheirReplacement() {
        // Ignored like any unknown key, loss.fine.enabled=false would leave the fine term on in an ablation.
        for (String term : List.of("coarse", "adaptive", "fine")) {
            Map<String, Object> m = base();
            m.put("loss." + term + ".enabled", "false");
            assertThatThrownBy(() -> new LearnerConfig(m)).as(term).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("loss." + term + ".enabled").hasMessageContaining("reward." + term + ".enabled");
        }
    }

    @Test
    void badValuesFailNamingTheirKey() {
        for (String[] bad : new String[][] {{"lr", "0"}, {"lr", "NaN"}, {"checkpoint.interval", "0"},
                {"rl.batch", "-1"}, {"model.preset", "huge"}, {"adam.beta1", "1"}, {"buffer.min.fill", "0"},
                {"reward.baseline", "median"}}) {
            Map<String, Object> m = base();
            m.put(bad[0], bad[1]);
            assertThatThrownBy(() -> new LearnerConfig(m)).as(bad[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(bad[0]);
        }
    }

    @Test
    void turningEveryTermOffIsRefused() {
        Map<String, Object> m = base();
        m.put("reward.coarse.enabled", "false");
        m.put("reward.adaptive.enabled", "false");
        m.put("reward.fine.enabled", "false");
        m.put("loss.supervised.enabled", "false");
        assertThatThrownBy(() -> new LearnerService(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("loss.supervised.enabled");
    }
}
