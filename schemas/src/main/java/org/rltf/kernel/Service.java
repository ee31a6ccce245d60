package org.rltf.kernel;

/**
 * A service: {@link #run()} does its work on the calling thread until it is done, {@link #close()} is called
 * (from any thread; it returns once the service has stopped and released everything) or a fatal error, which
 * {@code run} rethrows.
 */
public interface Service extends Runnable, AutoCloseable {
    @Override
    void close();
}
