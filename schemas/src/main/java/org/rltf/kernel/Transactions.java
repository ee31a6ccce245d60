package org.rltf.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;

/**
 * The transactional producer's rules, written once: which errors are fatal, a commit that rides out outages, and
 * the commit and abort retries KafkaProducer asks for after a timeout.
 */
public final class Transactions {
    private Transactions() {
    }

    /**
     * Whether a transactional producer that threw {@code e} must be closed, not aborted and retried: another instance
     * took over its transactional.id (fenced), or the cluster refuses it (authorization, an unsupported version, a
     * broken sequence). Anything else is abortable: abort, and try the transaction again.
     */
    public static boolean isFatal(Throwable e) {
        // A producer in its fatal state answers every call with a KafkaException whose cause is the fatal error.
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause())
            if (t instanceof ProducerFencedException || t instanceof OutOfOrderSequenceException
                    || t instanceof AuthorizationException || t instanceof UnsupportedVersionException) return true;
        return false;
    }

    /**
     * Sends the records {@code records} builds and commits them in one transaction, whatever the outage: an abortable
     * failure (a send that timed out while the broker was away, the registry down while the records were built, a
     * coordinator that moved) aborts and tries the whole transaction again after a backoff ({@link Outages#retry}),
     * until it commits or {@code giveUp} says to stop. {@code records} is called once per attempt. A send failed
     * fails the commit ({@code commitTransaction} checks every send of the transaction), so nothing is ever committed
     * with a record missing. Rethrown at once: fatal errors ({@link #isFatal}), and a record the broker refused for
     * good (too large, invalid), as a {@link KafkaException} naming it.
     */
    public static void commit(Producer<byte[], byte[]> producer, Supplier<List<ProducerRecord<byte[], byte[]>>> records,
                              Logger log, String what, BooleanSupplier giveUp) {
        Outages.retry(log, "commit of " + what, () -> attempt(producer, records, giveUp), giveUp);
    }

    private static void attempt(Producer<byte[], byte[]> producer, Supplier<List<ProducerRecord<byte[], byte[]>>> records,
                                BooleanSupplier giveUp) {
        List<ProducerRecord<byte[], byte[]>> batch = records.get(); // before the transaction: it may need the registry
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        try {
            for (ProducerRecord<byte[], byte[]> r : batch) sent.add(producer.send(r));
        } catch (KafkaException e) {
            abortAfter(producer, e, batch, sent, giveUp);
        }
        try {
            commitTransaction(producer, giveUp);
        } catch (TimeoutException e) {
            throw e; // given up while the commit timed out: nothing else may follow it (the caller closes the producer)
        } catch (KafkaException e) {
            abortAfter(producer, e, batch, sent, giveUp);
        }
    }

    /** Aborts after {@code e}, and throws: fatal, refused for good, or retriable (try the transaction again). */
    private static void abortAfter(Producer<byte[], byte[]> producer, KafkaException e,
                                   List<ProducerRecord<byte[], byte[]>> batch, List<Future<RecordMetadata>> sent,
                                   BooleanSupplier giveUp) {
        if (isFatal(e)) throw e;
        abortTransaction(producer, giveUp);
        for (int i = 0; i < sent.size(); i++) {
            Throwable refused = failure(sent.get(i));
            if (refused != null && !Outages.isTransient(refused))
                throw new KafkaException("The broker refused record " + i + " of the transaction (topic "
                        + batch.get(i).topic() + "): " + refused + "; the transaction was aborted", refused);
        }
        throw e instanceof RetriableException ? e : new AbortedTransactionException(e);
    }

    /**
     * Commits the open transaction. A commit that timed out (the broker unreachable) may be retried and must not be
     * followed by anything else (KafkaProducer's rule), so it is retried until it completes or {@code giveUp}.
     */
    public static void commitTransaction(Producer<?, ?> producer, BooleanSupplier giveUp) {
        while (true) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (giveUp.getAsBoolean()) throw e;
            }
        }
    }

    /** Aborts the open transaction, retrying an abort that timed out as {@link #commitTransaction} retries a commit. */
    public static void abortTransaction(Producer<?, ?> producer, BooleanSupplier giveUp) {
        while (true) {
            try {
                producer.abortTransaction();
                return;
            } catch (TimeoutException e) {
                if (giveUp.getAsBoolean()) throw e;
            }
        }
    }

    private static Throwable failure(Future<RecordMetadata> f) {
        if (!f.isDone()) return null;
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** An aborted transaction that may commit when tried again: retriable, whatever the producer's own error was. */
    static final class AbortedTransactionException extends RetriableException {
        AbortedTransactionException(KafkaException cause) {
            super("transaction aborted: " + cause.getMessage(), cause);
        }
    }
}
