package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.kernel.TopicAdmin;
import org.rltf.kernel.TopicLayoutConfig;
import org.rltf.schemas.Topics;

@ExtendWith(KafkaExtension.class)
class TopicAdminTest {

    @Test void createsEveryTopicOfARunWithItsLayoutOnce(KafkaEnv env) throws Exception {
        String run = env.createRun("layout", Map.of(TopicLayoutConfig.PARTITIONS_CONFIG, 3));
        Topics topics = Topics.forRun(run);
        var descriptions = env.admin().describeTopics(topics.all()).allTopicNames().get();
        assertThat(descriptions.keySet()).containsExactlyInAnyOrderElementsOf(topics.all());
        for (String t : List.of(topics.problems(), topics.samples(), topics.feedback(), topics.experience()))
            assertThat(descriptions.get(t).partitions()).as(t).hasSize(3);
        for (String t : List.of(topics.checkpoints(), topics.learnerSteps(), topics.evaluations(), topics.deadLetter()))
            assertThat(descriptions.get(t).partitions()).as(t).hasSize(1);

        List<ConfigResource> resources = new ArrayList<>();
        topics.all().forEach(t -> resources.add(new ConfigResource(ConfigResource.Type.TOPIC, t)));
        Map<ConfigResource, Config> configs = env.admin().describeConfigs(resources).all().get();
        assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topics.problems())).get("cleanup.policy").value()).isEqualTo("compact");
        for (String t : List.of(topics.samples(), topics.feedback(), topics.experience(), topics.checkpoints(), topics.learnerSteps())) {
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t));
            assertThat(c.get("cleanup.policy").value()).as(t).isEqualTo("delete");
            assertThat(c.get("retention.ms").value()).as(t).isEqualTo("-1");
            assertThat(c.get("retention.bytes").value()).as(t).isEqualTo("-1");
        }

        try (TopicAdmin admin = TopicAdmin.create(env.clientConfig())) {
            assertThat(admin.createRun(topics)).isEmpty();
        }
    }

    @Test void refusesARunWhoseJoinedTopicsAreNotCoPartitioned(KafkaEnv env) {
        Topics topics = Topics.forRun("skewed-" + System.nanoTime());
        // Someone made feedback by hand with another partition count.
        TopicAdmin.createIfMissing(env.admin(), List.of(new NewTopic(topics.feedback(), Optional.of(2), Optional.empty())));
        try (TopicAdmin admin = new TopicAdmin(env.admin(), TopicLayoutConfig.defaults())) {
            assertThatThrownBy(() -> admin.createRun(topics))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not co-partitioned")
                    .hasMessageContaining(topics.feedback() + "=2");
        }
    }
}
