package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.rltf.broker.testing.KafkaEnv;
import org.rltf.broker.testing.KafkaExtension;
import org.rltf.schemas.Topics;

@ExtendWith(KafkaExtension.class)
class KafkaExtensionTest {
    private static KafkaEnv first;

    @Test void oneBrokerPerJvmAndUniqueRuns(KafkaEnv env) throws Exception {
        if (first == null) first = env;
        assertThat(env).isSameAs(first);
        String a = env.createRun("my test/1");
        String b = env.createRun("my test/1");
        assertThat(a).isNotEqualTo(b).startsWith("my-test-1-");
        assertThat(env.admin().listTopics().names().get()).containsAll(Topics.forRun(a).all()).containsAll(Topics.forRun(b).all());
        assertThat(env.clientConfig()).containsKeys("bootstrap.servers", "schema.registry.url");
        assertThat(env.consumerConfig("g")).containsEntry("group.id", "g").containsEntry("auto.offset.reset", "earliest");
    }

    @Test void sameEnvironmentInAnotherTest(KafkaEnv env) {
        if (first == null) first = env;
        assertThat(env).isSameAs(first);
        assertThat(env.bootstrapServers()).isEqualTo(first.bootstrapServers());
    }
}
