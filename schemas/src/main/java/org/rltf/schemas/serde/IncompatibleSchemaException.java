package org.rltf.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A schema is incompatible: the registry refused to register it under the subject's compatibility level
 * (HTTP 409, its message kept), or a record's writer schema cannot be resolved to the reader's schema.
 */
public class IncompatibleSchemaException extends SerializationException {
    public IncompatibleSchemaException(String message) {
        super(message);
    }

    public IncompatibleSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
