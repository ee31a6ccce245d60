package org.rltf.data;

/** A dataset could not be loaded: a missing file, an unknown spec, or a record that does not parse. */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
