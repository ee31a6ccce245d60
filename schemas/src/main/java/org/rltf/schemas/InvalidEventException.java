package org.rltf.schemas;

import org.apache.kafka.common.KafkaException;

/**
 * An event that deserialized but cannot be used (it names an unknown problem, its arrays disagree in length...).
 * Thrown by a handler of {@link EventConsumer}, it sends the record to the run's dead-letter topic with this
 * message as the reason, and the consumer carries on.
 */
public class InvalidEventException extends KafkaException {
    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
