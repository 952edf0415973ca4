package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SpopDrainTest {
    private static final long LIMIT = TimeUnit.SECONDS.toNanos(3);

    private long now = 1_000_000_000L;
    private final SpopDrain drain = new SpopDrain(() -> now);

    private void advance(long millis) {
        now += TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void joinsArrivingBeforeTheDrainAreNotTimedAndHealthChecksPassUntilItBegins() {
        drain.joinArrived();
        assertThat(drain.draining()).isFalse();
        drain.begin();
        assertThat(drain.draining()).isTrue();
    }

    @Test
    void overOnceHaproxyRefusedTwoChecksAndNoJoinCameForAMoment() {
        long start = now;
        drain.begin();
        advance(150);
        drain.joinArrived();
        drain.checkRefused();
        drain.checkRefused();
        advance(150);
        assertThat(drain.over(start, LIMIT)).as("a join 150 ms ago").isNull();

        advance(60);
        assertThat(drain.over(start, LIMIT)).startsWith("HAProxy's health checks refused 2 times");
    }

    @Test
    void oneRefusedCheckIsNotEnoughWhileJoinsKeepComing() {
        long start = now;
        drain.begin();
        drain.checkRefused();
        for (int i = 0; i < 20; i++) {
            advance(100);
            drain.joinArrived();
            assertThat(drain.over(start, LIMIT)).isNull();
        }
    }

    @Test
    void overAfterASecondWithoutJoinsEvenWithoutHealthChecks() {
        long start = now;
        drain.begin();
        advance(999);
        assertThat(drain.over(start, LIMIT)).isNull();
        advance(1);
        assertThat(drain.over(start, LIMIT)).isEqualTo("no join for 1000 ms");
    }

    @Test
    void overAtTheLimitWhateverHaproxyDoes() {
        long start = now;
        drain.begin();
        for (int i = 0; i < 29; i++) {
            advance(100);
            drain.joinArrived();
            assertThat(drain.over(start, LIMIT)).isNull();
        }
        advance(100);
        drain.joinArrived();
        assertThat(drain.over(start, LIMIT)).isEqualTo("the drain's limit of 3000 ms");
    }
}
