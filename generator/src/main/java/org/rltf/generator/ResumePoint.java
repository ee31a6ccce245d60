package org.rltf.generator;

/**
 * Where a restarted generator continues under the policy version it adopted: the round after its newest published
 * round of that version, and its clock after that round's newest stamp, so no sample id is ever reused and its
 * stamps keep growing. Rounds are committed whole (one transaction each), so a round a crash cut short was aborted:
 * it is not in the topic, and its number is used again for a round that is.
 *
 * <p>Accumulated from the samples topic as the generator reads it at start ({@link #add}: this generator's samples
 * of one version, found by key, {@link SampleIds}).
 *
 * @param round the next round number under the version
 * @param newestStamp the newest record timestamp among the samples found ({@link Long#MIN_VALUE} when none)
 * @param samplesFound how many of this generator's samples of the version are published
 */
record ResumePoint(long round, long newestStamp, long samplesFound) {

    /** No sample of the version published yet: round 0, the clock where it is. */
    static final ResumePoint FRESH = new ResumePoint(0, Long.MIN_VALUE, 0);

    boolean found() { return samplesFound > 0; }

    /** This point after one more published sample of its version, {@code id}, stamped {@code timestamp}. */
    ResumePoint add(SampleIds id, long timestamp) {
        return new ResumePoint(Math.max(round, id.round() + 1), Math.max(newestStamp, timestamp), samplesFound + 1);
    }
}
