package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format, written and read here: an 8-byte little-endian header length N, N bytes of
 * JSON ({@code name -> {dtype, shape, data_offsets: [begin, end]}} plus an optional
 * {@code __metadata__} map of strings), then the raw little-endian tensor data. Writes F32 only, in
 * the order given (so identical weights give identical bytes); reads F32, F16, BF16 and F64 into
 * float32. Files larger than 2 GiB are not supported (the whole file is held in memory).
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "__metadata__";

    private Safetensors() {}

    /** A float32 tensor held in Java memory. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
                n *= d;
            }
            if (n != data.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }

        public int rank() { return shape.length; }
    }

    /** Parsed file: metadata and tensors in file order. */
    public record Contents(Map<String, String> metadata, LinkedHashMap<String, Tensor> tensors) {}

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(toBytes(tensors, metadata));
        }
    }

    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject(METADATA);
            new TreeMap<>(metadata).forEach(m::put); // sorted: Map.of iterates in a per-JVM random order, and the bytes must not vary
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) throw new IllegalArgumentException("tensor name " + METADATA + " is reserved");
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            long bytes = 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // the format allows trailing spaces; 8-byte alignment keeps data aligned
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("safetensors file over 2 GiB is not supported");
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        buf.put(json);
        for (int i = json.length; i < padded; i++) buf.put((byte) ' ');
        // asFloatBuffer() does not advance buf, so the position is moved by hand
        for (Tensor t : tensors.values()) {
            buf.asFloatBuffer().put(t.data());
            buf.position(buf.position() + 4 * t.data().length);
        }
        return buf.array();
    }

    public static Contents read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Parses and validates: offsets must lie inside the data section, match dtype x shape, and not overlap. */
    public static Contents read(byte[] bytes, String origin) {
        if (bytes.length < 8) throw new IllegalArgumentException(origin + ": too short for a safetensors file");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        if (headerLen <= 0 || headerLen > bytes.length - 8) throw new IllegalArgumentException(origin + ": bad safetensors header length " + headerLen);
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).stripTrailing());
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) throw new IllegalArgumentException(origin + ": safetensors header must be a JSON object");
        long dataStart = 8 + headerLen;
        long dataLen = bytes.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if (name.equals(METADATA)) {
                t.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String dtype = t.path("dtype").asText("");
            int width;
            switch (dtype) {
                case "F32": width = 4; break;
                case "F16": case "BF16": width = 2; break;
                case "F64": width = 8; break;
                default: throw new IllegalArgumentException(origin + ": tensor " + name + " has unsupported dtype '" + dtype + "'");
            }
            JsonNode shapeNode = t.path("shape");
            JsonNode off = t.path("data_offsets");
            if (!shapeNode.isArray() || !off.isArray() || off.size() != 2) throw new IllegalArgumentException(origin + ": tensor " + name + " lacks shape or data_offsets");
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) throw new IllegalArgumentException(origin + ": tensor " + name + " has a bad shape " + shapeNode);
                count *= shape[i];
            }
            long begin = off.get(0).asLong(-1);
            long end = off.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLen || end - begin != count * width) {
                throw new IllegalArgumentException(origin + ": tensor " + name + " has data_offsets [" + begin + ", " + end + "] inconsistent with "
                        + dtype + " " + shapeNode + " or the file size");
            }
            if (count > Integer.MAX_VALUE) throw new IllegalArgumentException(origin + ": tensor " + name + " too large");
            ranges.add(new long[] {begin, end});
            float[] data = new float[(int) count];
            ByteBuffer src = ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin)).slice().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case "F32": src.asFloatBuffer().get(data); break;
                case "F64": for (int i = 0; i < data.length; i++) data[i] = (float) src.getDouble(8 * i); break;
                case "BF16": for (int i = 0; i < data.length; i++) data[i] = Float.intBitsToFloat((src.getShort(2 * i) & 0xFFFF) << 16); break;
                default: for (int i = 0; i < data.length; i++) data[i] = halfToFloat(src.getShort(2 * i)); break;
            }
            tensors.put(name, new Tensor(shape, data));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) throw new IllegalArgumentException(origin + ": tensors overlap in the data section");
        }
        return new Contents(metadata, tensors);
    }

    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
