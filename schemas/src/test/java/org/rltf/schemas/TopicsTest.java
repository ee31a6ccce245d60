package org.rltf.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicLayoutConfig;

class TopicsTest {
    @Test void namesFollowTheLayout() {
        Topics t = Topics.forRun("exp-1_a");
        assertThat(t.problems()).isEqualTo("rltf.exp-1_a.problems");
        assertThat(t.samples()).isEqualTo("rltf.exp-1_a.samples");
        assertThat(t.feedback()).isEqualTo("rltf.exp-1_a.feedback");
        assertThat(t.experience()).isEqualTo("rltf.exp-1_a.experience");
        assertThat(t.checkpoints()).isEqualTo("rltf.exp-1_a.checkpoints");
        assertThat(t.learnerSteps()).isEqualTo("rltf.exp-1_a.learner-steps");
        assertThat(t.evaluations()).isEqualTo("rltf.exp-1_a.evaluations");
        assertThat(t.deadLetter()).isEqualTo("rltf.exp-1_a.dead-letter");
        assertThat(t.all()).hasSize(8).doesNotHaveDuplicates();
    }

    @Test void illegalRunNamesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Topics.forRun("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Topics.forRun("a.b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a.b'");
        assertThatThrownBy(() -> Topics.forRun("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topics.forRun("é")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topics.forRun("x".repeat(Topics.MAX_RUN_LENGTH + 1))).hasMessageContaining("longer");
        String longest = "x".repeat(Topics.MAX_RUN_LENGTH);
        assertThat(Topics.forRun(longest).learnerSteps()).hasSize(249);
    }

    @Test void parseRecoversTheRun() {
        assertThat(Topics.parse("rltf.r1.samples")).contains(Topics.forRun("r1"));
        assertThat(Topics.parse("rltf.r1.dead-letter")).contains(Topics.forRun("r1"));
        assertThat(Topics.parse("rltf.r1.unknown")).isEmpty();
        assertThat(Topics.parse("other.r1.samples")).isEmpty();
        assertThat(Topics.parse("rltf..samples")).isEmpty();
        assertThat(Topics.parse("_schemas")).isEmpty();
    }

    @Test void layoutConfigValidatesAndNamesTheKey() {
        assertThat(TopicLayoutConfig.defaults().partitions()).isEqualTo(4);
        assertThat(TopicLayoutConfig.defaults().logPartitions()).isEqualTo(1);
        assertThat(TopicLayoutConfig.defaults().retentionMs()).isEqualTo(-1);
        assertThatThrownBy(() -> new TopicLayoutConfig(Map.of(TopicLayoutConfig.PARTITIONS_CONFIG, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(TopicLayoutConfig.PARTITIONS_CONFIG);
        assertThatThrownBy(() -> new TopicLayoutConfig(Map.of(TopicLayoutConfig.REPLICATION_FACTOR_CONFIG, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(TopicLayoutConfig.REPLICATION_FACTOR_CONFIG);
    }

    @Test void newTopicsHaveTheDocumentedPolicies() {
        TopicAdmin admin = new TopicAdmin(null, new TopicLayoutConfig(Map.of(TopicLayoutConfig.PARTITIONS_CONFIG, 6)));
        var topics = admin.newTopics(Topics.forRun("r"));
        assertThat(topics).hasSize(8);
        var byName = new java.util.HashMap<String, org.apache.kafka.clients.admin.NewTopic>();
        topics.forEach(t -> byName.put(t.name(), t));
        Topics t = Topics.forRun("r");
        assertThat(byName.get(t.problems()).configs()).containsEntry("cleanup.policy", "compact");
        for (String name : new String[] {t.samples(), t.feedback(), t.experience()}) {
            assertThat(byName.get(name).numPartitions()).isEqualTo(6);
            assertThat(byName.get(name).configs()).containsEntry("cleanup.policy", "delete")
                    .containsEntry("retention.ms", "-1").containsEntry("retention.bytes", "-1");
        }
        assertThat(byName.get(t.checkpoints()).numPartitions()).isEqualTo(1);
        assertThat(byName.get(t.learnerSteps()).numPartitions()).isEqualTo(1);
        assertThat(byName.get(t.learnerSteps()).configs()).containsEntry("retention.ms", "-1");
        assertThat(byName.get(t.deadLetter()).configs()).containsEntry("cleanup.policy", "delete");
    }
}
