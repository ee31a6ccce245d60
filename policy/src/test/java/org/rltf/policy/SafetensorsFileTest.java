package org.rltf.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Memory-mapped safetensors reads past the 2 GiB a byte[] or one ByteBuffer holds. */
class SafetensorsFileTest {
    @Test
    void readsATensorStoredPastTwoGiB(@TempDir Path tmp) throws Exception {
        long gap = (1L << 31) + 4096; // a tensor of 2^29 + 1024 zeros, then the one read back
        String header = "{\"__metadata__\":{\"format\":\"pt\"},\"zeros\":{\"dtype\":\"F32\",\"shape\":[" + gap / 4 + "],\"data_offsets\":[0," + gap + "]},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[" + gap + "," + (gap + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) { // sparse: the zeros take no disk
            ByteBuffer head = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
            f.write(head.array());
            f.seek(8 + h.length + gap);
            ByteBuffer w = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : new float[] {1f, -2f, 0.5f, 3f}) w.putShort(Safetensors.floatToBf16(v));
            f.write(w.array());
        }
        assertThat(file.toFile().length()).isGreaterThan(1L << 31);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.shapes()).containsOnlyKeys("zeros", "w");
            assertThat(f.dtype("w")).isEqualTo("BF16");
            assertThat(f.floats("w")).containsExactly(1f, -2f, 0.5f, 3f);
            assertThat(f.metadata()).containsEntry("format", "pt");
        }
    }

    @Test
    void narrowingRoundsToNearestEven() {
        assertThat(Safetensors.floatToBf16(1f)).isEqualTo((short) 0x3F80);
        assertThat(Safetensors.floatToBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(Safetensors.floatToBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, odd rounds up
        for (float v : new float[] {0f, -0f, 1f, -2f, 0.1f, 65504f, 6.1e-5f, 6e-8f, 3e-5f, 1e-9f}) {
            float back = Safetensors.halfToFloat(Safetensors.floatToHalf(v));
            assertThat(Math.abs(back - v)).as("%s -> %s", v, back).isLessThanOrEqualTo(Math.abs(v) * 1e-3f + 6e-8f);
        }
        assertThat(Safetensors.floatToHalf(70000f)).isEqualTo((short) 0x7C00).isEqualTo(Safetensors.floatToHalf(Float.POSITIVE_INFINITY));
        assertThat(Float.isNaN(Safetensors.halfToFloat(Safetensors.floatToHalf(Float.NaN)))).isTrue();
        for (int h = 0; h < 0x7C00; h++) assertThat(Safetensors.floatToHalf(Safetensors.halfToFloat((short) h))).isEqualTo((short) h); // every finite half round-trips
    }
}
