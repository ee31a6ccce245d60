package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The checkpoint directory: {@code config.json} (architecture and tokenizer kind),
 * {@code model.safetensors}, the tokenizer's file where it has one, optional trainer state under
 * {@code trainer/}, and {@code manifest.json} listing the SHA-256 and size of every other file.
 * The directory is identified by the SHA-256 of its manifest, so one digest covers everything.
 *
 * <p>Readers take each file's bytes once, check them against the manifest, and parse those same
 * bytes, so a file replaced between check and use cannot slip through (weights, of any size, are
 * memory-mapped and read through the channel that was hashed; see {@link SafetensorsFile}). Writers build the directory
 * beside its final name and move it into place, so a watcher never sees half a checkpoint. The
 * manifest has sorted keys and no timestamps: identical weights give an identical digest.
 */
public final class Checkpoints {
    public static final String MANIFEST = "manifest.json";
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    static final String FORMAT = "rltf-checkpoint/1";
    /**
     * Files of a Hugging Face model directory an imported model keeps (its config.json,
     * generation_config.json, special_tokens_map.json ...), under this prefix, so an export gives
     * them back with only the keys this project owns rewritten.
     */
    public static final String HF_DIR = "hf/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {}

    /** Writes files into a directory (used while building a checkpoint). */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path dir) throws IOException;
    }

    /**
     * A checkpoint's files, each already checked against the manifest: the small ones as bytes, the
     * {@code .safetensors} ones memory-mapped (read through the channel their digest was computed on).
     * Closing closes those channels; tensors already loaded are unaffected.
     */
    record Verified(Path dir, String sha256, Map<String, byte[]> files, Map<String, SafetensorsFile> tensorFiles) implements AutoCloseable {
        byte[] require(String name) {
            byte[] b = files.get(name);
            if (b == null) throw new CheckpointException("checkpoint " + dir + ": manifest does not list " + name);
            return b;
        }

        SafetensorsFile tensors(String name) {
            SafetensorsFile f = tensorFiles.get(name);
            if (f == null) throw new CheckpointException("checkpoint " + dir + ": manifest does not list " + name);
            return f;
        }

        @Override
        public void close() {
            for (SafetensorsFile f : tensorFiles.values()) {
                try {
                    f.close();
                } catch (IOException ignored) {
                    // a read-only channel: nothing to flush
                }
            }
        }
    }

    /** The digest the directory is identified by: SHA-256 (hex) of its manifest.json. Does not check the other files; see {@link #verify(Path)}. */
    public static String sha256(Path dir) {
        return sha256Hex(readManifestBytes(dir));
    }

    /** Checks every file the manifest lists (presence, size, SHA-256) and returns the directory's digest. */
    public static String verify(Path dir) {
        return readVerified(dir, null, false).sha256();
    }

    /** As {@link #verify(Path)}, and the digest must equal {@code expectedSha256} (e.g. from a Checkpoint event). */
    public static String verify(Path dir, String expectedSha256) {
        return readVerified(dir, expectedSha256, false).sha256();
    }

    static Verified readVerified(Path dir, String expectedSha256) {
        return readVerified(dir, expectedSha256, true);
    }

    private static Verified readVerified(Path dir, String expectedSha256, boolean keepBytes) {
        byte[] manifestBytes = readManifestBytes(dir);
        String sha = sha256Hex(manifestBytes);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha)) {
            throw new CheckpointException("checkpoint " + dir + " has digest " + sha + " but " + expectedSha256 + " was expected");
        }
        JsonNode manifest;
        try {
            manifest = JSON.readTree(manifestBytes);
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + dir + ": manifest.json is not valid JSON: " + e.getMessage(), e);
        }
        if (manifest == null || !FORMAT.equals(manifest.path("format").asText())) {
            throw new CheckpointException("checkpoint " + dir + ": manifest.json is not an " + FORMAT + " manifest");
        }
        JsonNode files = manifest.path("files");
        if (!files.isObject()) throw new CheckpointException("checkpoint " + dir + ": manifest.json has no files");
        Map<String, byte[]> contents = new LinkedHashMap<>();
        Map<String, SafetensorsFile> mapped = new LinkedHashMap<>();
        Verified verified = new Verified(dir, sha, contents, mapped);
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                Path file = resolveInside(dir, name);
                long size = e.getValue().path("size").asLong(-1);
                String expected = e.getValue().path("sha256").asText("");
                FileChannel channel = null;
                long actualSize;
                String actual;
                try {
                    if (name.endsWith(".safetensors")) { // any size: hashed, then read through the same channel
                        channel = FileChannel.open(file, StandardOpenOption.READ);
                        actualSize = channel.size();
                        actual = actualSize == size ? SafetensorsFile.sha256(channel) : "";
                    } else {
                        byte[] bytes = Files.readAllBytes(file);
                        actualSize = bytes.length;
                        actual = sha256Hex(bytes);
                        if (keepBytes) contents.put(name, bytes);
                    }
                    if (actualSize != size) {
                        throw new CheckpointException("checkpoint " + dir + ": " + name + " has " + actualSize + " bytes, manifest says " + size);
                    }
                    if (!actual.equalsIgnoreCase(expected)) {
                        throw new CheckpointException("checkpoint " + dir + ": " + name + " has SHA-256 " + actual + ", manifest says " + expected
                                + " (the file was changed or corrupted)");
                    }
                    if (channel != null && keepBytes) {
                        mapped.put(name, SafetensorsFile.over(file, channel));
                        channel = null;
                    }
                } catch (NoSuchFileException ex) {
                    throw new CheckpointException("checkpoint " + dir + ": " + name + " is listed in the manifest but missing");
                } catch (IOException ex) {
                    throw new CheckpointException("checkpoint " + dir + ": cannot read " + name + ": " + ex.getMessage(), ex);
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointException("checkpoint " + dir + ": " + ex.getMessage(), ex);
                } finally {
                    if (channel != null) closeQuietly(channel);
                }
            }
        } catch (RuntimeException e) {
            verified.close();
            throw e;
        }
        for (String required : new String[] {CONFIG, WEIGHTS}) {
            if (!files.has(required)) {
                verified.close();
                throw new CheckpointException("checkpoint " + dir + ": manifest does not list " + required);
            }
        }
        return verified;
    }

    static long manifestSize(Path dir) {
        return readManifestBytes(dir).length;
    }

    /** model.safetensors' metadata: the same for a trained, an imported and a fresh model, so equal weights give equal bytes. */
    static Map<String, String> weightsMetadata(String layout) {
        return Map.of("format", "pt", "producer", "rltf", "layout", layout);
    }

    /** The carried Hugging Face files of a verified checkpoint, by their path inside it. */
    static Map<String, byte[]> carried(Verified v) {
        Map<String, byte[]> out = new TreeMap<>();
        v.files().forEach((name, bytes) -> {
            if (name.startsWith(HF_DIR)) out.put(name, bytes);
        });
        return out;
    }

    static void writeCarried(Path dir, Map<String, byte[]> carried) throws IOException {
        for (Map.Entry<String, byte[]> e : carried.entrySet()) {
            Path p = resolveInside(dir, e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only
        }
    }

    private static Path resolveInside(Path dir, String name) {
        Path p = dir.resolve(name).normalize();
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || !p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw new CheckpointException("checkpoint " + dir + ": manifest lists an invalid path '" + name + "'");
        }
        return p;
    }

    private static byte[] readManifestBytes(Path dir) {
        Path m = dir.resolve(MANIFEST);
        try {
            return Files.readAllBytes(m);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("not a checkpoint: " + dir + " has no " + MANIFEST);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + m + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds a checkpoint at {@code dir}: {@code writer} fills a fresh sibling directory, the manifest
     * is added, and the directory is moved to {@code dir}, which must not exist or be empty.
     */
    public static CheckpointInfo write(Path dir, FileWriter writer) {
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = null;
        try {
            if (Files.exists(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    if (s.findAny().isPresent()) throw new CheckpointException("checkpoint directory " + target + " already exists and is not empty");
                }
            }
            Files.createDirectories(target.getParent());
            tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
            writer.write(tmp);
            writeManifest(tmp);
            if (Files.exists(target)) Files.delete(target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            tmp = null;
            return info(target);
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
        }
    }

    private static void writeManifest(Path dir) throws IOException {
        TreeMap<String, Path> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rel.equals(MANIFEST)) files.put(rel, p);
            });
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode list = root.putObject("files");
        for (Map.Entry<String, Path> e : files.entrySet()) {
            try (FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ)) {
                ObjectNode f = list.putObject(e.getKey());
                f.put("sha256", SafetensorsFile.sha256(ch));
                f.put("size", ch.size());
            }
        }
        Files.write(dir.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static CheckpointInfo info(Path dir) throws IOException {
        long size;
        try (Stream<Path> s = Files.walk(dir)) {
            size = s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
        return new CheckpointInfo(dir, sha256(dir), size);
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary directory is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
