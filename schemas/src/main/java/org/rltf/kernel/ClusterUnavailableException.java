package org.rltf.kernel;

import org.apache.kafka.common.KafkaException;

/**
 * A starting service gave up waiting for the Kafka cluster or the schema registry ({@link ClusterWait}). The message
 * is the one sentence a user needs: which service, what it was doing, which servers did not answer, for how long,
 * and the key that sets the wait.
 */
public class ClusterUnavailableException extends KafkaException {
    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
