package org.rltf.streams;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library from a directory of the buffer's own instead of a new temporary file. Left to
 * itself, RocksDB copies its 14 MB library to a fresh {@code librocksdbjni*.so} in java.io.tmpdir on every start and
 * deletes it on exit, so each SIGKILL of the learner left one behind. Here the library is copied once into
 * {@code <state dir>/native} (replaced atomically, so a running learner's mapped copy is untouched) and loaded from
 * there; if anything about that fails, RocksDB loads the library its own way.
 */
final class RocksDbLibrary {
    private static final Logger log = LoggerFactory.getLogger(RocksDbLibrary.class);

    private static boolean loaded;

    private RocksDbLibrary() {}

    /** Once per JVM: a later buffer of the same JVM finds the library loaded. */
    static synchronized void loadFrom(Path dir) {
        if (loaded) return;
        loaded = true;
        // The name RocksDB.loadLibrary(paths) looks for in each path, and the resource RocksDB's jar holds it as.
        String resource = Environment.getJniLibraryFileName("rocksdb");
        Path lib = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
        try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) return; // not bundled for this platform
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "rocksdbjni-", ".tmp");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                if (!Files.exists(lib) || Files.size(lib) != Files.size(tmp))
                    Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            RocksDB.loadLibrary(List.of(dir.toString()));
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            log.warn("Could not load RocksDB's library from {} ({}); RocksDB loads it its own way", dir, e.toString());
        }
    }
}
