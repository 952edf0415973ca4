package io.roomrouter.spop;

import io.netty.buffer.ByteBufUtil;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns the leak reports of Netty's detector (paranoid in every test JVM) into failures: a fuzz target calls
 * {@link #assertNoLeak} after each input. Without it a leak is only an ERROR line in the test output, and a fuzz
 * run would go on. The detector reports a leak when the garbage collector finds the lost buffer, so the input
 * that fails may come after the one that leaked; {@link TrackingAllocator} names the input itself.
 */
public final class LeakWatch {
    private static final AtomicLong LEAKS = new AtomicLong();
    private static final AtomicReference<String> LAST = new AtomicReference<>("");

    static {
        // one listener per JVM: nothing else in the tests sets one
        ByteBufUtil.setLeakListener((resourceType, records) -> {
            LAST.set(resourceType + ": " + records);
            LEAKS.incrementAndGet();
        });
    }

    private LeakWatch() {}

    /** Installs the listener; idempotent. */
    public static void arm() {
        // the static initializer did it
    }

    /** Leaks reported since the JVM started (or the last {@link #forget}). */
    public static long leaks() {
        return LEAKS.get();
    }

    /** Fails if Netty's detector has reported any leak. */
    public static void assertNoLeak() {
        long leaks = LEAKS.get();
        if (leaks != 0) {
            throw new AssertionError(leaks + " ByteBuf leak(s) reported by Netty's detector (expected: 0); last: "
                    + LAST.get());
        }
    }

    /** For the test that leaks on purpose to prove the watch works: forgets what it has seen. */
    static void forget() {
        LEAKS.set(0);
        LAST.set("");
    }
}
