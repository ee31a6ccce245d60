package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where a restarted generator continues, from its own samples of the adopted version. */
class ResumePointTest {

    @Test
    void continuesAfterItsNewestRoundWhateverOrderTheSamplesAreReadIn() {
        ResumePoint at = ResumePoint.FRESH
                .add(SampleIds.parse("a@v1/g1/0/g").orElseThrow(), 1001)
                .add(SampleIds.parse("x/y@v1/g1/2/1").orElseThrow(), 1005) // problem ids may contain '/': round 2
                .add(SampleIds.parse("a@v1/g1/0/0").orElseThrow(), 1002)
                .add(SampleIds.parse("b@v1/g1/1/g").orElseThrow(), 1004);  // an older round read later
        assertThat(at.found()).isTrue();
        assertThat(at.round()).isEqualTo(3);
        assertThat(at.newestStamp()).isEqualTo(1005);
        assertThat(at.samplesFound()).isEqualTo(4);
    }

    @Test
    void withNoSampleOfTheVersionItStartsAtRoundZero() {
        assertThat(ResumePoint.FRESH.found()).isFalse();
        assertThat(ResumePoint.FRESH.round()).isZero();
    }
}
