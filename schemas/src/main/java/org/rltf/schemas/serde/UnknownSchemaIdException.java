package org.rltf.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The record names a schema id the registry does not know (registry error 40403). */
public class UnknownSchemaIdException extends SerializationException {
    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String message, Throwable cause) {
        super(message, cause);
        this.schemaId = schemaId;
    }

    public int schemaId() { return schemaId; }
}
