package org.rltf.grader;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts worker processes from one thread that lives as long as the grader. bwrap's
 * --die-with-parent is PR_SET_PDEATHSIG, which fires when the <em>thread</em> that started the
 * process ends, not the process: a worker started from a short-lived thread (a start-up pool, a
 * caller's thread that restarted it) would be killed with that thread.
 */
final class Spawner implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rltf-grader-spawner");
        t.setDaemon(true);
        return t;
    });

    Process start(ProcessBuilder builder) throws IOException {
        Future<Process> started = thread.submit(builder::start);
        try {
            return started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.cancel(false);
            throw new IOException("interrupted while starting " + builder.command().get(0), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
