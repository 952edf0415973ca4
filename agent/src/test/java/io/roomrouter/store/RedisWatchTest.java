package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RedisWatchTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RedisWatch watch = new RedisWatch(nanos::get);

    private void advanceMillis(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void requestsOutstandingWithNoReplyForHalfASecondMeanRedisIsSilent() {
        watch.sent();
        advanceMillis(499);
        assertThat(watch.unavailable()).isNull();
        assertThat(watch.interrupted()).isFalse();

        assertThat(watch.answering()).isTrue();
        advanceMillis(1);
        assertThat(watch.answering()).isFalse();
        assertThat(watch.unavailable()).isEqualTo("silent for 500 ms");
        assertThat(watch.interrupted()).isTrue();
        assertThat(watch.interruption()).isEqualTo("silent");

        watch.completed(null); // it answers again
        assertThat(watch.unavailable()).isNull();
        assertThat(watch.interrupted()).as("until reconciled").isTrue();
    }

    @Test
    void nothingOutstandingIsNoSilenceHoweverLongItLasts() {
        watch.sent();
        watch.completed(null);
        advanceMillis(10_000);
        assertThat(watch.unavailable()).isNull();

        watch.sent(); // silence counts from the first request sent after a quiet time, not from the last reply
        advanceMillis(400);
        assertThat(watch.unavailable()).isNull();
    }

    @Test
    void anyReplyIsProgressEvenWhileOtherRequestsWait() {
        watch.sent();
        watch.sent();
        advanceMillis(400);
        watch.completed(null);
        advanceMillis(400);
        assertThat(watch.unavailable()).isNull();
        advanceMillis(100);
        assertThat(watch.unavailable()).isEqualTo("silent for 500 ms");
    }

    @Test
    void anErrorReplyIsProgressButInterruptsAndATimeoutIsNoReply() {
        watch.sent();
        watch.sent();
        advanceMillis(400);
        watch.completed(new RedisCommandExecutionException("OOM command not allowed"));
        assertThat(watch.interrupted()).isTrue();
        assertThat(watch.interruption()).isEqualTo("requests failed");
        advanceMillis(400);
        assertThat(watch.unavailable()).as("the error reply counted as one").isNull();

        RedisWatch other = new RedisWatch(nanos::get);
        other.sent();
        other.sent();
        advanceMillis(400);
        other.completed(new RedisCommandTimeoutException("timed out"));
        assertThat(other.interruption()).isEqualTo("requests timed out");
        advanceMillis(100);
        assertThat(other.unavailable()).isEqualTo("silent for 500 ms");
        other.completed(new RedisException("Connection closed"));
    }

    @Test
    void aLostConnectionIsUnavailableUntilItIsBackAndInterruptedUntilReconciled() {
        watch.disconnected();
        advanceMillis(120);
        assertThat(watch.unavailable()).isEqualTo("connection lost 120 ms ago");
        assertThat(watch.answering()).isFalse();
        assertThat(watch.interruption()).isEqualTo("connection lost");
        assertThat(watch.interruptedMillis()).isEqualTo(120);

        watch.connected();
        assertThat(watch.unavailable()).isNull();
        long reconcileStart = watch.nanoTime();
        watch.reconciled(reconcileStart);
        assertThat(watch.interrupted()).isFalse();
        assertThat(watch.interruptedMillis()).isZero();
    }

    @Test
    void aReconciliationEndsOnlyTheInterruptionsThatBeganBeforeIt() {
        long reconcileStart = watch.nanoTime();
        advanceMillis(10);
        watch.disconnected(); // after the reconciliation began: what it gave Redis may be lost again
        watch.connected();
        watch.reconciled(reconcileStart);
        assertThat(watch.interrupted()).isTrue();
    }
}
