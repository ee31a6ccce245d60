package org.rltf.streams;

import java.util.List;

import org.rltf.events.Experience;

/**
 * A view of the online buffer taken at one moment: the experiences a learner draws RL micro-batches from until
 * its next snapshot, ordered by event time then sample id (deterministic), and the newest event time in the store
 * (-1 when it is empty). Greedy samples are included; a learner that wants only sampled programs skips them
 * ({@link Experience#getGreedy()}): with the greedy baseline their advantage R - b is 0 anyway.
 */
public record BufferSnapshot(List<Experience> experiences, long newestEventTime) {
    public BufferSnapshot {
        experiences = List.copyOf(experiences);
    }

    public int size() { return experiences.size(); }
}
