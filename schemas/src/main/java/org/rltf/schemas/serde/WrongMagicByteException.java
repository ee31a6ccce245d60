package org.rltf.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** The bytes do not start with the Confluent wire format's magic byte 0: not a record this serde wrote. */
public class WrongMagicByteException extends SerializationException {
    public WrongMagicByteException(String message) {
        super(message);
    }
}
