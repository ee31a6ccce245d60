package org.rltf.policy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file of any size, memory-mapped: the header is parsed when it is opened, each
 * tensor's bytes are mapped when first asked for (a mapping is at most 2 GiB, a tensor of float32
 * values at most 8 GiB, so large tensors are mapped in one piece as long as they fit a mapping), and
 * the pages come from the OS page cache rather than the Java heap. Mappings outlive {@link #close()},
 * which only closes the channel.
 *
 * <p>All reads of one instance, the digest included, go through the same open channel: a file
 * replaced by rename after it was opened (how checkpoints are written) cannot mix old and new bytes.
 * A file modified in place could; nothing in this project does that.
 */
final class SafetensorsFile implements TensorSource, AutoCloseable {
    private static final long WINDOW = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final LinkedHashMap<String, Safetensors.Entry> entries;
    private final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();

    private SafetensorsFile(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        long size = channel.size();
        if (size < 8) throw new IllegalArgumentException(file + ": too short for a safetensors file");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(len, 0);
        long headerLen = len.getLong(0);
        if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) throw new IllegalArgumentException(file + ": bad safetensors header length " + headerLen);
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(header, 8);
        dataStart = 8 + headerLen;
        entries = Safetensors.parseHeader(new String(header.array(), StandardCharsets.UTF_8), size - dataStart, file.toString(), metadata);
        entries.forEach((n, e) -> shapes.put(n, e.shape()));
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b, at + b.position()) < 0) throw new IOException(file + ": unexpected end of file");
        }
    }

    static SafetensorsFile open(Path file) throws IOException {
        return over(file, FileChannel.open(file, StandardOpenOption.READ));
    }

    /** Reads {@code file} through {@code channel}, which this instance owns from now on (closed on failure too). */
    static SafetensorsFile over(Path file, FileChannel channel) throws IOException {
        try {
            return new SafetensorsFile(file, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    Path file() { return file; }

    Map<String, String> metadata() { return metadata; }

    @Override
    public LinkedHashMap<String, long[]> shapes() { return shapes; }

    @Override
    public String dtype(String name) { return entry(name).dtype(); }

    private Safetensors.Entry entry(String name) {
        Safetensors.Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(file + " has no tensor " + name);
        return e;
    }

    @Override
    public ByteBuffer raw(String name) {
        Safetensors.Entry e = entry(name);
        long len = e.end() - e.begin();
        if (len > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(file + ": tensor " + name + " is " + len + " bytes, more than one mapping holds");
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), len);
            m.order(ByteOrder.LITTLE_ENDIAN);
            return m;
        } catch (IOException ex) {
            throw new CheckpointException("cannot map " + name + " of " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** SHA-256 (hex) of the whole file, read through mappings of at most 1 GiB. */
    String sha256() throws IOException {
        return sha256(channel);
    }

    static String sha256(FileChannel channel) throws IOException {
        MessageDigest md = Checkpoints.sha256Digest();
        long size = channel.size();
        for (long at = 0; at < size; at += WINDOW) md.update(channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(WINDOW, size - at)));
        return HexFormat.of().formatHex(md.digest());
    }

    long size() throws IOException { return channel.size(); }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
