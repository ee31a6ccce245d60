package org.rltf.streams;

import java.util.function.Function;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.rltf.kernel.Partitions;
import org.rltf.schemas.InvalidEventException;

/**
 * Rejects a sample or feedback event that is not on its problem's partition ({@link Partitions#ofProblem}), so
 * that {@link DeadLetterHandler} dead-letters it with the reason. The buffer computes each problem's baseline in the
 * task that joins its samples, with no repartition hop; that is only right when every event of a problem is on one
 * partition. A producer that partitions by sample id (Kafka's default for the sample-id key) would otherwise split
 * a problem's group across tasks and give wrong baselines without a word. Events without a value pass: the join
 * ignores them, and {@link SandboxErrorFilter} dead-letters a feedback tombstone.
 */
final class ProblemPartitionCheck<V> implements FixedKeyProcessor<String, V, V> {
    private final String what;
    private final int partitions;
    private final Function<V, String> problemId;
    private FixedKeyProcessorContext<String, V> context;

    ProblemPartitionCheck(String what, int partitions, Function<V, String> problemId) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        this.what = what;
        this.partitions = partitions;
        this.problemId = problemId;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        V value = record.value();
        if (value != null) {
            int at = context.recordMetadata().map(m -> m.partition()).orElse(-1);
            String problem = problemId.apply(value);
            int expected = Partitions.ofProblem(problem, partitions);
            if (at != expected)
                throw new InvalidEventException(what + " " + record.key() + " of problem " + problem + " is on partition "
                        + at + ", not on its problem's partition " + expected + " of " + partitions + ": a run's samples "
                        + "and feedback are partitioned by problem id (murmur2 of the problem id, Kafka's default "
                        + "partitioner for it as the key), so that one task sees a problem's whole group");
        }
        context.forward(record);
    }
}
