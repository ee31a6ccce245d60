package org.rltf.schemas.serde;

import org.apache.kafka.common.KafkaException;

/**
 * An error answer of the schema registry, or a failure to reach it. {@link #errorCode()} is Confluent's code
 * (40401 subject not found, 40402 version not found, 40403 schema not found, 409 incompatible, 42201 invalid
 * schema, ...); {@link #status()} the HTTP status, -1 if the registry could not be reached.
 *
 * <p>This is not a {@link org.apache.kafka.common.errors.SerializationException}: a registry that is down says
 * nothing about the record, so consumers must not dead-letter on it.
 */
public class SchemaRegistryException extends KafkaException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int STORE_ERROR = 50001;
    public static final int UNREACHABLE = -1;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        this(status, errorCode, message, null);
    }

    public SchemaRegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message + (errorCode == UNREACHABLE ? "" : "; error code: " + errorCode), cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() { return status; }
    public int errorCode() { return errorCode; }
    /** The registry's own message, without the error code suffix. */
    public String registryMessage() {
        String m = getMessage();
        int i = m.lastIndexOf("; error code: ");
        return i < 0 ? m : m.substring(0, i);
    }
}
