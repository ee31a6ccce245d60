package org.rltf.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
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
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets: [begin, end]}} plus an optional {@code __metadata__}
 * map of strings), then the raw little-endian tensor data. Written here tensor by tensor in the order
 * given (identical weights give identical bytes; nothing is held whole, so files may exceed 2 GiB), in
 * F32, BF16 or F16. Read here from bytes in memory (small files) or, for any size, memory-mapped by
 * {@link SafetensorsFile}; F32, F16, BF16 and F64 are read, widened to float32.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String METADATA = "__metadata__";
    public static final String F32 = "F32";
    public static final String BF16 = "BF16";
    public static final String F16 = "F16";

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

    /** One tensor of a header: its dtype, shape and byte range in the data section. */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {
        long count() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    /** The bytes of one tensor to write, little-endian in its dtype. */
    @FunctionalInterface
    interface Data {
        ByteBuffer bytes(String name) throws IOException;
    }

    static int width(String dtype) {
        switch (dtype) {
            case F32: return 4;
            case F16: case BF16: return 2;
            case "F64": return 8;
            default: return -1;
        }
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, F32, tensors, metadata);
    }

    /** Writes float32 tensors stored as {@code dtype} (F32, BF16 or F16; narrowing rounds to nearest even). */
    static void write(Path file, String dtype, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((n, t) -> shapes.put(n, t.shape()));
        write(file, dtype, shapes, metadata, n -> encode(tensors.get(n).data(), dtype));
    }

    /** Streams {@code shapes.size()} tensors of one dtype into {@code file}, asking {@code data} for each in turn. */
    static void write(Path file, String dtype, LinkedHashMap<String, long[]> shapes, Map<String, String> metadata, Data data) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); WritableByteChannel ch = Channels.newChannel(out)) {
            write(ch, dtype, shapes, metadata, data);
        }
    }

    private static void write(WritableByteChannel ch, String dtype, LinkedHashMap<String, long[]> shapes, Map<String, String> metadata, Data data)
            throws IOException {
        int w = width(dtype);
        if (w < 0 || dtype.equals("F64")) throw new IllegalArgumentException("cannot write dtype " + dtype + " (F32, BF16, F16)");
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject(METADATA);
            new TreeMap<>(metadata).forEach(m::put); // sorted: Map.of iterates in a per-JVM random order, and the bytes must not vary
        }
        long offset = 0;
        List<Long> sizes = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (e.getKey().equals(METADATA)) throw new IllegalArgumentException("tensor name " + METADATA + " is reserved");
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            ArrayNode shape = t.putArray("shape");
            long count = 1;
            for (long d : e.getValue()) {
                shape.add(d);
                count *= d;
            }
            long bytes = w * count;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            sizes.add(bytes);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the format allows trailing spaces; 8-byte alignment keeps data aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        writeFully(ch, head.flip());
        int i = 0;
        for (String name : shapes.keySet()) {
            ByteBuffer b = data.bytes(name);
            if (b.remaining() != sizes.get(i)) {
                throw new IllegalStateException("tensor " + name + ": " + b.remaining() + " bytes for a " + dtype + " " + Arrays.toString(shapes.get(name)));
            }
            writeFully(ch, b);
            i++;
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** The whole file in memory (small files and tests). */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((n, t) -> shapes.put(n, t.shape()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(Channels.newChannel(out), F32, shapes, metadata, n -> encode(tensors.get(n).data(), F32));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static Contents read(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.shapes().keySet()) tensors.put(name, new Tensor(f.shapes().get(name), f.floats(name)));
            return new Contents(f.metadata(), tensors);
        }
    }

    /** Parses and validates: offsets must lie inside the data section, match dtype x shape, and not overlap. */
    public static Contents read(byte[] bytes, String origin) {
        if (bytes.length < 8) throw new IllegalArgumentException(origin + ": too short for a safetensors file");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        if (headerLen <= 0 || headerLen > bytes.length - 8) throw new IllegalArgumentException(origin + ": bad safetensors header length " + headerLen);
        Map<String, String> metadata = new LinkedHashMap<>();
        LinkedHashMap<String, Entry> entries = parseHeader(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8), bytes.length - 8 - headerLen,
                origin, metadata);
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            ByteBuffer src = ByteBuffer.wrap(bytes, (int) (8 + headerLen + e.begin()), (int) (e.end() - e.begin())).slice().order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(e.name(), new Tensor(e.shape(), decode(src, e.dtype(), (int) e.count())));
        }
        return new Contents(metadata, tensors);
    }

    /** The header's tensors in file order (metadata into {@code metadata}), checked against a data section of {@code dataLen} bytes. */
    static LinkedHashMap<String, Entry> parseHeader(String headerJson, long dataLen, String origin, Map<String, String> metadata) {
        JsonNode header;
        try {
            header = JSON.readTree(headerJson.stripTrailing());
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) throw new IllegalArgumentException(origin + ": safetensors header must be a JSON object");
        LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if (name.equals(METADATA)) {
                t.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String dtype = t.path("dtype").asText("");
            int width = width(dtype);
            if (width < 0) throw new IllegalArgumentException(origin + ": tensor " + name + " has unsupported dtype '" + dtype + "' (F32, F16, BF16, F64)");
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
            if (count > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(origin + ": tensor " + name + " has more than 2^31 values");
            ranges.add(new long[] {begin, end});
            entries.put(name, new Entry(name, dtype, shape, begin, end));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) throw new IllegalArgumentException(origin + ": tensors overlap in the data section");
        }
        return entries;
    }

    /** {@code count} values of {@code dtype} from little-endian {@code src} (from its position), widened to float32. */
    static float[] decode(ByteBuffer src, String dtype, int count) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] data = new float[count];
        switch (dtype) {
            case F32: b.asFloatBuffer().get(data); break;
            case "F64": for (int i = 0; i < count; i++) data[i] = (float) b.getDouble(8 * i); break;
            case BF16: for (int i = 0; i < count; i++) data[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16); break;
            case F16: for (int i = 0; i < count; i++) data[i] = halfToFloat(b.getShort(2 * i)); break;
            default: throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
        return data;
    }

    /** Float32 values as little-endian {@code dtype} bytes (F32, BF16, F16), rounded to nearest even when narrowing. */
    static ByteBuffer encode(float[] data, String dtype) {
        int w = width(dtype);
        ByteBuffer b = ByteBuffer.allocate(w * data.length).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32: b.asFloatBuffer().put(data); break;
            case BF16: for (int i = 0; i < data.length; i++) b.putShort(2 * i, floatToBf16(data[i])); break;
            case F16: for (int i = 0; i < data.length; i++) b.putShort(2 * i, floatToHalf(data[i])); break;
            default: throw new IllegalArgumentException("cannot write dtype " + dtype);
        }
        return b;
    }

    /** bfloat16 is float32's top half: round to nearest even on the dropped 16 bits; NaN stays a quiet NaN. */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half precision, round to nearest even, overflow to infinity, subnormals kept. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs >= 0x7F800000) return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0)); // inf, NaN
        if (abs >= 0x477FF000) return (short) (sign | 0x7C00);                                   // rounds past 65504
        if (abs < 0x38800000) {                                                                    // below 2^-14: subnormal or 0
            int shift = 126 - (abs >>> 23);
            if (shift > 24) return (short) sign;
            int mant = (abs & 0x7FFFFF) | 0x800000; // value = mant * 2^(exp - 150), a half subnormal is h * 2^-24
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) half++;
            return (short) (sign | half);
        }
        int e = (abs >>> 23) - 112;
        int mant = abs & 0x7FFFFF;
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) half++;
        return (short) (sign | half);
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
