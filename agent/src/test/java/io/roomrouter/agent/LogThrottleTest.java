package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final LogThrottle throttle = new LogThrottle(100, now::get);

    @Test
    void letsTheFirstLineThroughThenOnePerIntervalWithTheCountHeldBack() {
        assertThat(throttle.pass()).isZero();
        assertThat(throttle.pass()).isEqualTo(-1);
        now.addAndGet(99);
        assertThat(throttle.pass()).isEqualTo(-1);

        now.addAndGet(1);
        assertThat(throttle.pass()).isEqualTo(2);
        assertThat(throttle.pass()).isEqualTo(-1);

        now.addAndGet(100);
        assertThat(throttle.pass()).isEqualTo(1);
    }

    @Test
    void refusesAnIntervalThatIsNotPositive() {
        assertThatThrownBy(() -> new LogThrottle(0, now::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("intervalNanos: 0 (expected: > 0)");
    }
}
