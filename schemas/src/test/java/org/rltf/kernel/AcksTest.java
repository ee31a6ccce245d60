package org.rltf.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

class AcksTest {

    @Test
    void theFirstRefusedSendIsNamedWithItsTopicAndTheBrokersError() {
        RecordTooLargeException refused = new RecordTooLargeException("too large");
        List<CompletableFuture<Object>> acks = List.of(CompletableFuture.completedFuture(null),
                CompletableFuture.failedFuture(refused), CompletableFuture.failedFuture(new RecordTooLargeException("later")));
        assertThatThrownBy(() -> Acks.awaitAll(acks, i -> "problem p" + i, "rltf.r.problems"))
                .isInstanceOf(KafkaException.class)
                .hasMessageStartingWith("Could not publish problem p1 to rltf.r.problems")
                .hasCause(refused);
    }

    @Test
    void everySendAcknowledgedReturns() {
        Acks.awaitAll(List.of(CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null)),
                i -> "record " + i, "t");
    }

    @Test
    void anInterruptedWaitKeepsTheInterrupt() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Acks.awaitAll(List.of(new CompletableFuture<>()), i -> "record " + i, "t"))
                    .isInstanceOf(KafkaException.class).hasMessageContaining("Interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
