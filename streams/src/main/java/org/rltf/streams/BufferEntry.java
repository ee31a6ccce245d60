package org.rltf.streams;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.rltf.events.Experience;
import org.rltf.schemas.serde.AvroDeserializer;
import org.rltf.schemas.serde.MalformedRecordException;

/**
 * One experience of a {@link BufferSnapshot}, as the buffer's store holds it: its wire-format bytes, with what a
 * snapshot and the learner filter on (event time, sample id, policy version, greedy, completion length) read ahead
 * of the rest, and the full {@link Experience} decoded when first asked for. Why: a learner draws a few dozen
 * experiences from a snapshot of thousands; decoding every one (boxed token and log-prob lists) cost ~110-145 ms
 * of a 6,400-entry snapshot's ~190, and most were never drawn.
 *
 * <p>The fields read ahead are found by walking the writer's schema (the record's own, from the registry) up to the
 * last of them and skipping what lies between, so a writer with its fields in any order, or without greedy, reads
 * the same as a full decode would; one that promotes a type or names a field by an alias is decoded fully at once.
 */
public final class BufferEntry {
    private final String sampleId;
    private final long timestamp;
    private final long policyVersion;
    private final boolean greedy;
    private final int completionTokens;
    private final byte[] bytes;
    private final Decoding decoding;
    private volatile Experience experience;

    private BufferEntry(String sampleId, long timestamp, long policyVersion, boolean greedy, int completionTokens,
                        byte[] bytes, Decoding decoding) {
        this.sampleId = sampleId;
        this.timestamp = timestamp;
        this.policyVersion = policyVersion;
        this.greedy = greedy;
        this.completionTokens = completionTokens;
        this.bytes = bytes;
        this.decoding = decoding;
    }

    /** Its sample id (the store's key). */
    public String sampleId() { return sampleId; }

    /** Its event time (the window start in the store: the experience record's timestamp). */
    public long timestamp() { return timestamp; }

    public long policyVersion() { return policyVersion; }

    public boolean greedy() { return greedy; }

    /** Completion tokens ({@code token_ids}' length). */
    public int completionTokens() { return completionTokens; }

    /** The experience, decoded on the first call (thread-safe; two racing callers may both decode). */
    public Experience experience() {
        Experience e = experience;
        if (e == null) {
            e = decoding.full.deserialize(decoding.topic, bytes);
            experience = e;
        }
        return e;
    }

    /** How entries are read: the experience topic's deserializer, and the read-ahead plan of each writer schema. */
    public static final class Decoding {
        private final String topic;
        private final Deserializer<Experience> full;
        private final Map<Schema, Plan> plans = new ConcurrentHashMap<>();

        /** Entries of {@code topic}'s records (the experience topic: the buffer's store holds its bytes). */
        public Decoding(String topic, Deserializer<Experience> full) {
            this.topic = Objects.requireNonNull(topic);
            this.full = Objects.requireNonNull(full);
        }

        BufferEntry entry(String sampleId, long timestamp, byte[] bytes) {
            if (full instanceof AvroDeserializer<Experience> avro) {
                Plan plan = plans.computeIfAbsent(avro.writerSchema(topic, bytes), Plan::of);
                if (plan != null) return plan.read(sampleId, timestamp, bytes, this);
            }
            // Not our wire format, or a writer whose fields the plan cannot read directly: decode it all now.
            Experience e = full.deserialize(topic, bytes);
            BufferEntry entry = new BufferEntry(sampleId, timestamp, e.getPolicyVersion(), e.getGreedy(),
                    e.getTokenIds().size(), bytes, this);
            entry.experience = e;
            return entry;
        }
    }

    /**
     * The positions of policy_version, greedy and token_ids among a writer's fields; null (decode fully) when one of
     * them has a type other than long, boolean and array of int, or policy_version or token_ids is missing (then the
     * full decode fails with the reason). A writer without greedy reads its default, false.
     */
    private record Plan(Schema.Field[] fields, int versionAt, int greedyAt, int tokensAt, int last) {
        static Plan of(Schema writer) {
            if (writer.getType() != Schema.Type.RECORD) return null;
            Schema.Field version = writer.getField("policy_version");
            Schema.Field greedy = writer.getField("greedy");
            Schema.Field tokens = writer.getField("token_ids");
            if (version == null || version.schema().getType() != Schema.Type.LONG) return null;
            if (greedy != null && greedy.schema().getType() != Schema.Type.BOOLEAN) return null;
            if (tokens == null || tokens.schema().getType() != Schema.Type.ARRAY
                    || tokens.schema().getElementType().getType() != Schema.Type.INT) return null;
            int greedyAt = greedy == null ? -1 : greedy.pos();
            int last = Math.max(version.pos(), Math.max(greedyAt, tokens.pos()));
            return new Plan(writer.getFields().toArray(new Schema.Field[0]), version.pos(), greedyAt, tokens.pos(),
                    last);
        }

        BufferEntry read(String sampleId, long timestamp, byte[] bytes, Decoding decoding) {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, AvroDeserializer.HEADER_BYTES,
                    bytes.length - AvroDeserializer.HEADER_BYTES, null);
            long version = 0;
            boolean greedy = false;
            int tokens = 0;
            try {
                for (int i = 0; i <= last; i++) {
                    if (i == versionAt) version = in.readLong();
                    else if (i == greedyAt) greedy = in.readBoolean();
                    else if (i == tokensAt) {
                        for (long n = in.readArrayStart(); n > 0; n = in.arrayNext()) {
                            for (long j = 0; j < n; j++) in.readInt();
                            tokens += (int) n;
                        }
                    } else GenericDatumReader.skip(fields[i].schema(), in);
                }
            } catch (IOException | RuntimeException e) {
                throw new MalformedRecordException("Experience " + sampleId + " in the buffer's store is not valid "
                        + "Avro for its schema (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
            }
            return new BufferEntry(sampleId, timestamp, version, greedy, tokens, bytes, decoding);
        }
    }
}
