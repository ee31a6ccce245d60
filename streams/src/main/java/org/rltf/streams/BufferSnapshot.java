package org.rltf.streams;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

import org.rltf.events.Experience;

/**
 * A view of the online buffer taken at one moment: the experiences a learner draws RL micro-batches from until
 * its next snapshot, ordered by event time then sample id (deterministic), and the newest event time in the store
 * (-1 when it is empty). Greedy samples are included; a learner that wants only sampled programs skips them
 * ({@link BufferEntry#greedy()}): with the greedy baseline their advantage R - b is 0 anyway.
 *
 * <p>Entries decode their experience when it is first asked for ({@link BufferEntry}): what a snapshot costs is
 * reading the store, not decoding what the learner never draws.
 */
public record BufferSnapshot(List<BufferEntry> entries, long newestEventTime) {
    public BufferSnapshot {
        entries = List.copyOf(entries);
    }

    public int size() { return entries.size(); }

    /** The entries' experiences, in order, each decoded when first read. */
    public List<Experience> experiences() { return experiences(entries); }

    /** A read-only list of the experiences of {@code entries}, each decoded when first read. */
    public static List<Experience> experiences(List<BufferEntry> entries) {
        return new Decoded(entries);
    }

    private static final class Decoded extends AbstractList<Experience> implements RandomAccess {
        private final List<BufferEntry> entries;

        Decoded(List<BufferEntry> entries) { this.entries = entries; }

        @Override public Experience get(int index) { return entries.get(index).experience(); }

        @Override public int size() { return entries.size(); }
    }
}
