package org.rltf.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.Test;

/**
 * The buffer's store reads across a rebalance: a store handed out while the application was RUNNING can stop being
 * readable half-way through iterating it (the chaos run's learner died of exactly that after a broker restart), so
 * the whole read starts again, unless the application is on its way down.
 */
class OnlineBufferReadTest {
    @Test
    void aReadThatARebalanceInterruptsMidwayIsDoneAgainFromTheStart() {
        AtomicInteger lookups = new AtomicInteger();
        List<String> seen = new ArrayList<>();
        int total = OnlineBuffer.read("experience-buffer", lookups::incrementAndGet, attempt -> {
            seen.clear();
            for (String item : List.of("a", "b", "c")) {
                if (attempt == 1 && item.equals("b"))
                    throw new InvalidStateStoreException("the stream thread is PARTITIONS_ASSIGNED, not RUNNING");
                seen.add(item);
            }
            return seen.size();
        }, () -> KafkaStreams.State.REBALANCING);
        assertThat(lookups).hasValue(2);
        assertThat(total).isEqualTo(3);
        assertThat(seen).containsExactly("a", "b", "c");
    }

    @Test
    void anApplicationOnItsWayDownIsNotWaitedFor() {
        for (KafkaStreams.State down : List.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR,
                KafkaStreams.State.PENDING_SHUTDOWN, KafkaStreams.State.NOT_RUNNING)) {
            AtomicInteger lookups = new AtomicInteger();
            assertThatThrownBy(() -> OnlineBuffer.read("experience-buffer", lookups::incrementAndGet, attempt -> {
                throw new InvalidStateStoreException("store closed");
            }, () -> down)).as(down.name()).isInstanceOf(InvalidStateStoreException.class);
            assertThat(lookups).as(down.name()).hasValue(1);
        }
    }
}
