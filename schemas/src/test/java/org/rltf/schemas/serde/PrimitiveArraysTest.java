package org.rltf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rltf.events.Sample;

/**
 * The serializer's own path for arrays of numbers (token ids, offsets, log-probs) and its reused buffer write
 * exactly the bytes Avro's datum writers write, and the fast reader reads them back equal.
 */
class PrimitiveArraysTest {
    private final String scope = "arrays-" + UUID.randomUUID();
    private final Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "mock://" + scope);

    @AfterEach void dropScope() {
        InMemorySchemaRegistryClient.dropScope(scope);
    }

    @Test void aSampleIsWrittenAsAvrosWriterWritesIt() throws IOException {
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, config, false)) {
            // Sizes around the buffer's first growth (4 KB) and past it, and empty arrays.
            for (int tokens : new int[] {0, 1, 255, 600, 5000}) {
                Sample s = sample(tokens, tokens);
                byte[] ours = serde.serializer().serialize("t", s);
                byte[] avro = avro(new SpecificDatumWriter<>(Sample.getClassSchema()), s);
                assertThat(Arrays.copyOfRange(ours, 5, ours.length)).as("%d tokens", tokens).isEqualTo(avro);
                assertThat(serde.deserializer().deserialize("t", ours)).isEqualTo(s);
            }
        }
    }

    @Test void aListWithoutRandomAccessTakesAvrosOwnPath() throws IOException {
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, config, false)) {
            Sample s = sample(40, 2);
            s.setTokenIds(new LinkedList<>(s.getTokenIds()));
            byte[] ours = serde.serializer().serialize("t", s);
            assertThat(Arrays.copyOfRange(ours, 5, ours.length))
                    .isEqualTo(avro(new SpecificDatumWriter<>(Sample.getClassSchema()), s));
        }
    }

    @Test void genericRecordsWithLongAndDoubleArraysToo() throws IOException {
        Schema schema = SchemaBuilder.record("Numbers").namespace("org.rltf.test").fields()
                .name("longs").type().array().items().longType().noDefault()
                .name("doubles").type().array().items().doubleType().noDefault()
                .name("names").type().array().items().stringType().noDefault()
                .endRecord();
        GenericRecord r = new GenericData.Record(schema);
        r.put("longs", List.of(Long.MIN_VALUE, -1L, 0L, 1L << 40, Long.MAX_VALUE));
        r.put("doubles", List.of(-0.0, Double.NaN, 1e-300, Double.MAX_VALUE));
        r.put("names", List.of("a", "bc"));
        try (AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(config, false)) {
            byte[] ours = serializer.serialize("t", r);
            assertThat(Arrays.copyOfRange(ours, 5, ours.length)).isEqualTo(avro(new GenericDatumWriter<>(schema), r));
        }
    }

    @Test void aNullInAnArrayFailsNamingTheFieldAndTheNextRecordIsWhole() throws IOException {
        try (Serde<Sample> serde = AvroSerdes.serde(Sample.class, config, false)) {
            Sample bad = sample(10, 10);
            List<Integer> ids = new ArrayList<>(bad.getTokenIds());
            ids.set(7, null);
            bad.setTokenIds(ids);
            assertThatThrownBy(() -> serde.serializer().serialize("t", bad))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("Sample.token_ids");
            Sample good = sample(10, 10);
            byte[] ours = serde.serializer().serialize("t", good);
            assertThat(Arrays.copyOfRange(ours, 5, ours.length))
                    .isEqualTo(avro(new SpecificDatumWriter<>(Sample.getClassSchema()), good));
        }
    }

    private static <T> byte[] avro(org.apache.avro.io.DatumWriter<T> writer, T datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        writer.write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Sample sample(int tokens, int prompt) {
        SplittableRandom rng = new SplittableRandom(tokens * 31L + prompt);
        List<Integer> ids = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Float> logProbs = new ArrayList<>();
        for (int t = 0; t < tokens; t++) {
            ids.add(rng.nextInt(-5, 151_643));
            starts.add(t);
            ends.add(t + 1);
            logProbs.add((float) -rng.nextDouble(10));
        }
        List<Integer> promptIds = new ArrayList<>();
        for (int t = 0; t < prompt; t++) promptIds.add(rng.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE));
        return Sample.newBuilder().setRun("r").setSampleId("s" + tokens).setProblemId("p").setPolicyVersion(3)
                .setCompletion("x".repeat(tokens)).setPromptTokenIds(promptIds).setTokenIds(ids).setTokenStarts(starts)
                .setTokenEnds(ends).setLogProbs(logProbs).setTemperature(0.6f).setTopP(0.95f).setSeed(7).setGreedy(false)
                .setFinishReason("length").setGeneratorId("g").build();
    }
}
