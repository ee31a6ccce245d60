package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class PartitionsTest {

    @Test
    void aProblemsPartitionIsWhatKafkasDefaultPartitionerGivesItsIdAsTheKey() {
        // So any Java client (or librdkafka's murmur2_random) can place a run's samples without our code.
        for (String problem : List.of("p", "mbpp/601", "humaneval/HumanEval/12", "builtin/test/0397", "ünïcode"))
            for (int n : new int[] {1, 2, 3, 4, 7, 64})
                assertThat(Partitions.ofProblem(problem, n)).isEqualTo(
                        BuiltInPartitioner.partitionForKey(problem.getBytes(StandardCharsets.UTF_8), n));
    }

    @Test
    void everyPartitionGetsProblemsAndAProblemAlwaysTheSameOne() {
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int p = Partitions.ofProblem("builtin/train/" + i, 4);
            assertThat(p).isBetween(0, 3).isEqualTo(Partitions.ofProblem("builtin/train/" + i, 4));
            used.add(p);
        }
        assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void refusesAPartitionCountBelowOne() {
        assertThatThrownBy(() -> Partitions.ofProblem("p", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions must be >= 1, got 0");
    }
}
