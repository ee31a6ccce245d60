package org.rltf.kernel;

import java.util.List;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;

/** The transactional producer's rules, written once: which errors are fatal, and a commit with bounded retries. */
public final class Transactions {
    private Transactions() {
    }

    /**
     * Whether a transactional producer that threw {@code e} must be closed, not aborted and retried: another instance
     * took over its transactional.id (fenced), or the cluster refuses it (authorization, an unsupported version, a
     * broken sequence). Anything else is abortable: abort, and try the transaction again.
     */
    public static boolean isFatal(Throwable e) {
        return e instanceof ProducerFencedException || e instanceof OutOfOrderSequenceException
                || e instanceof AuthorizationException || e instanceof UnsupportedVersionException;
    }

    /**
     * Sends {@code records} and commits them in one transaction; an abortable failure aborts and tries again, up
     * to {@code attempts} times in all. A send that failed fails the commit ({@code commitTransaction} checks every
     * send of the transaction), so nothing is committed with a record missing. Fatal errors are rethrown at once.
     */
    public static void commit(Producer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records,
                              int attempts, Logger log, String what) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.beginTransaction();
                for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
                producer.commitTransaction();
                return;
            } catch (KafkaException e) {
                if (isFatal(e)) throw e;
                producer.abortTransaction();
                if (attempt >= attempts)
                    throw new KafkaException("Could not commit " + what + " after " + attempt + " attempts", e);
                log.warn("Commit of {} failed ({}); retrying", what, e.toString());
            }
        }
    }
}
