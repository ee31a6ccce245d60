package org.rltf.grader.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.rltf.events.Feedback;
import org.rltf.events.Problem;
import org.rltf.events.Sample;
import org.rltf.kernel.RecordDecoder;
import org.rltf.schemas.InvalidEventException;

/**
 * One poll of the samples topic, published in one transaction (with the batches after it that the transaction's
 * linger takes): the offsets it spans (committed with it, or sought back to when it aborts, so it is read again),
 * the programs being graded, the records to dead-letter and the feedback sent.
 */
final class Batch {
    final int size;
    final long polledNanos = System.nanoTime();
    final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    final Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
    final List<Pending> pending = new ArrayList<>();
    final List<Decoded> rejected = new ArrayList<>();
    final List<Feedback> published = new ArrayList<>(); // sent in the open transaction

    Batch(ConsumerRecords<byte[], byte[]> records) {
        this.size = records.count();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            firstOffsets.putIfAbsent(tp, record.offset());
            nextOffsets.put(tp, new OffsetAndMetadata(record.offset() + 1));
        }
    }

    /** Seeks back to the batch's first offsets on the partitions {@code consumer} still owns. */
    void rewind(Consumer<?, ?> consumer) {
        for (Map.Entry<TopicPartition, Long> first : firstOffsets.entrySet()) {
            if (consumer.assignment().contains(first.getKey())) consumer.seek(first.getKey(), first.getValue());
        }
    }

    /** The dead-letter reasons of the rejected records, as the metrics count them. */
    List<String> rejectedKinds() {
        return rejected.stream().map(Decoded::kind).toList();
    }

    /** A sample record decoded, or (sample null) one to dead-letter, with its reason and its kind for the metrics. */
    record Decoded(ConsumerRecord<byte[], byte[]> record, Sample sample, String reason, Throwable error, String kind) {
        static Decoded of(RecordDecoder<String, Sample> decoder, ConsumerRecord<byte[], byte[]> record) {
            RecordDecoder.Decoded<String, Sample> result = decoder.decode(record);
            if (result instanceof RecordDecoder.Bad<String, Sample> bad) {
                return new Decoded(record, null, "cannot decode a Sample: " + bad.reason(), bad.error(), "malformed");
            }
            Sample sample = ((RecordDecoder.Good<String, Sample>) result).record().value();
            if (sample.getSampleId().isEmpty() || sample.getProblemId().isEmpty()) {
                String field = sample.getSampleId().isEmpty() ? "sample_id" : "problem_id";
                return new Decoded(record, null, "sample has an empty " + field,
                        new InvalidEventException("empty " + field), "invalid");
            }
            return new Decoded(record, sample, null, null, null);
        }

        /** This sample rejected: its problem is not in {@code problemsTopic}. */
        Decoded unknownProblem(String problemsTopic) {
            return new Decoded(record, null, "unknown problem '" + sample.getProblemId() + "' of sample '"
                    + sample.getSampleId() + "': not in " + problemsTopic + " after reading it to its end",
                    new InvalidEventException("unknown problem " + sample.getProblemId()), "unknown-problem");
        }
    }

    /** A sample whose program is being graded. */
    record Pending(ConsumerRecord<byte[], byte[]> record, Sample sample, Problem problem,
                   CompletableFuture<Feedback> future) {
    }
}
