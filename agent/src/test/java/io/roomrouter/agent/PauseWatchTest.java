package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PauseWatchTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicInteger pauses = new AtomicInteger();
    private final PauseWatch watch = new PauseWatch(nanos::get, Duration.ofMillis(500), pauses::incrementAndGet);

    @Test
    void ticksOnTimeAreNoPause() {
        for (int i = 0; i < 50; i++) {
            advance(100);
            watch.tick();
        }
        advance(499);
        watch.tick();

        assertThat(pauses).hasValue(0);
    }

    @Test
    void aLateTickRunsTheActionOnceAndTheNextOnTimeTickDoesNot() {
        advance(100);
        watch.tick();
        advance(3_000); // SIGSTOP for 3 s
        watch.tick();
        advance(100);
        watch.tick();

        assertThat(pauses).hasValue(1);
    }

    @Test
    void theTimeTheActionTakesIsNotTakenForAPause() {
        PauseWatch slow = new PauseWatch(nanos::get, Duration.ofMillis(500), () -> {
            pauses.incrementAndGet();
            advance(2_000); // reading the tables took 2 s
        });
        advance(600);
        slow.tick();
        advance(100);
        slow.tick();

        assertThat(pauses).hasValue(1);
    }

    private void advance(long millis) {
        nanos.addAndGet(Duration.ofMillis(millis).toNanos());
    }
}
