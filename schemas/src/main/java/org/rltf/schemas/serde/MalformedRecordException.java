package org.rltf.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The header is right but the Avro binary is not a valid encoding of the writer's schema (truncated, trailing bytes, bad union or enum index...). */
public class MalformedRecordException extends SerializationException {
    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
