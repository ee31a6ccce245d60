package org.rltf.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.Test;

/**
 * A fatal fault while an embedded node stops must not end the JVM: Kafka's fault handler calls Exit.halt, which
 * without {@link KraftNodes#withoutProcessExit} would kill this test fork (surefire then reports a crash).
 */
class KraftNodesExitTest {

    @Test void aHaltOrExitDuringAShutdownIsLoggedAndTheProcessGoesOn() {
        List<String> order = new ArrayList<>();
        KraftNodes.withoutProcessExit(() -> {
            KraftNodes.withoutProcessExit(() -> {
                Exit.halt(1, "Unhandled fault in MetadataLoader#handleCommit (inner)");
                order.add("inner");
            });
            Exit.exit(1, "outer, after the inner shutdown ended");
            order.add("outer");
        });
        assertThat(order).containsExactly("inner", "outer");
    }

    @Test void afterwardsExitAndHaltAreKafkasAgain() {
        KraftNodes.withoutProcessExit(() -> Exit.halt(1));
        // Kafka's own procedures were restored: a procedure set now is the one called, and resetting it still works.
        List<Integer> seen = new ArrayList<>();
        Exit.setHaltProcedure((status, message) -> seen.add(status));
        try {
            Exit.halt(3);
        } finally {
            Exit.resetHaltProcedure();
        }
        assertThat(seen).containsExactly(3);
    }
}
