package org.rltf.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void beforeTheFirstStepOnlyTheErrorBufferMayBePublished() {
        RateLimiter limiter = new RateLimiter(4.0, 10);
        assertThat(limiter.allowance()).isEqualTo(10);
        assertThat(limiter.tryAcquire(6)).isTrue();
        assertThat(limiter.tryAcquire(4)).isTrue();
        assertThat(limiter.published()).isEqualTo(10);
        // Full: not even one more, and a refused request takes nothing.
        assertThat(limiter.tryAcquire(1)).isFalse();
        assertThat(limiter.published()).isEqualTo(10);
    }

    @Test
    void eachLearnerStepAddsTheRatio() {
        RateLimiter limiter = new RateLimiter(2.5, 10);
        assertThat(limiter.tryAcquire(10)).isTrue();
        limiter.learnerProgress(1);   // 10 + floor(2.5) = 12
        assertThat(limiter.allowance()).isEqualTo(12);
        assertThat(limiter.tryAcquire(3)).isFalse();
        assertThat(limiter.tryAcquire(2)).isTrue();
        limiter.learnerProgress(4);   // 10 + 10 = 20
        assertThat(limiter.mayPublish(8)).isTrue();
        assertThat(limiter.mayPublish(9)).isFalse();
    }

    @Test
    void learnerProgressNeverGoesBack() {
        RateLimiter limiter = new RateLimiter(1.0, 5);
        limiter.learnerProgress(7);
        limiter.learnerProgress(3);   // an older event read late
        assertThat(limiter.learnerStep()).isEqualTo(7);
        assertThat(limiter.allowance()).isEqualTo(12);
    }

    @Test
    void theRunsSamplesCountWhoeverPublishedThem() {
        RateLimiter limiter = new RateLimiter(3.0, 6);
        limiter.learnerProgress(10);  // allowance 6 + 30 = 36
        limiter.counted(33);          // the samples topic already holds 33 (other generators, an earlier instance)
        assertThat(limiter.tryAcquire(4)).isFalse();
        assertThat(limiter.tryAcquire(3)).isTrue();
        assertThat(limiter.published()).isEqualTo(36);
        assertThat(limiter.mayPublish(1)).isFalse();
    }

    @Test
    void aZeroRatioTurnsTheLimitOff() {
        RateLimiter limiter = new RateLimiter(0, 1);
        assertThat(limiter.enabled()).isFalse();
        assertThat(limiter.tryAcquire(1_000_000)).isTrue();
        assertThat(limiter.tryAcquire(1_000_000)).isTrue();
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new RateLimiter(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 1).tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
