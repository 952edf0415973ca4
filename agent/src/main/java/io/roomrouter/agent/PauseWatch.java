package io.roomrouter.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this process did not run for a while (SIGSTOP, a debugger, a starved cgroup): a tick that comes
 * {@code threshold} or more after the one before, when ticks are scheduled every {@link #TICK}. HAProxy's checks
 * may have marked the agent DOWN meanwhile (within 0.8 s with the reference configuration), and then it hashed the
 * new rooms and its stick table kept where: {@code afterPause} runs, on the ticking thread, to take them in. The
 * monotonic clock keeps counting while a process is stopped.
 */
final class PauseWatch {
    private static final Logger log = LoggerFactory.getLogger(PauseWatch.class);
    /** How often the watch ticks. */
    static final Duration TICK = Duration.ofMillis(100);
    /**
     * The shortest gap taken for a pause: HAProxy marks an agent that answers no check DOWN 0.5 s at the earliest
     * (two checks' 200 ms timeouts and the 100 ms between them).
     */
    static final Duration THRESHOLD = Duration.ofMillis(500);

    private final LongSupplier nanoClock;
    private final long thresholdNanos;
    private final Runnable afterPause;
    private long lastNanos;

    PauseWatch(LongSupplier nanoClock, Duration threshold, Runnable afterPause) {
        this.nanoClock = nanoClock;
        this.thresholdNanos = threshold.toNanos();
        this.afterPause = afterPause;
        this.lastNanos = nanoClock.getAsLong();
    }

    /** Called every {@link #TICK} by one thread; runs {@code afterPause} when this tick comes late enough. */
    void tick() {
        long now = nanoClock.getAsLong();
        long gap = now - lastNanos;
        if (gap >= thresholdNanos) {
            log.info("the agent did not run for {} ms (paused or starved): HAProxy may have hashed new rooms"
                    + " meanwhile; reading its stick tables", TimeUnit.NANOSECONDS.toMillis(gap));
            try {
                afterPause.run();
            } catch (RuntimeException e) {
                // A scheduled task that throws is never run again: the next pause must still be seen.
                log.warn("after a pause: {}", e.toString());
            }
        }
        // After afterPause: the time it took is work, not a pause.
        lastNanos = nanoClock.getAsLong();
    }
}
