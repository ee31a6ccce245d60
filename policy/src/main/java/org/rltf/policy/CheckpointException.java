package org.rltf.policy;

/** A checkpoint directory is missing, malformed, or does not match its manifest or expected digest. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
