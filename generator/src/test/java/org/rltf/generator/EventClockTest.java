package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventClockTest {

    @Test
    void ticksFromTheAnchorAndNeverGoesBack() {
        EventClock clock = new EventClock(2);
        assertThat(clock.next(1000)).isEqualTo(1002);
        assertThat(clock.next(1000)).isEqualTo(1004);
        // A newer checkpoint pulls the clock up to its own time.
        assertThat(clock.next(5000)).isEqualTo(5002);
        // An anchor behind the clock does not move it back.
        assertThat(clock.next(3000)).isEqualTo(5004);
        clock.advanceTo(9000);
        assertThat(clock.next(5000)).isEqualTo(9002);
    }
}
