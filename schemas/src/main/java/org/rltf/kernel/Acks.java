package org.rltf.kernel;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.apache.kafka.common.KafkaException;

/**
 * Every send's result checked, for the one-shot publishers outside a transaction (import, regrade): they send a
 * whole set and then wait for each acknowledgement in order, so a record the broker refused is never taken as
 * written.
 */
public final class Acks {
    private Acks() {
    }

    /**
     * Waits for each of {@code acks}, in order; the first that failed throws a {@link KafkaException} naming its
     * record ({@code what.apply(i)} for the i-th send) and {@code topic}, with the broker's error as its cause.
     */
    public static void awaitAll(List<? extends Future<?>> acks, IntFunction<String> what, String topic) {
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
            } catch (ExecutionException e) {
                throw new KafkaException("Could not publish " + what.apply(i) + " to " + topic + ": " + e.getCause(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while publishing to " + topic, e);
            }
        }
    }
}
