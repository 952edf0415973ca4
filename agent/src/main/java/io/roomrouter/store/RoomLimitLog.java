package io.roomrouter.store;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warning when a backend reaches {@link RoomBounds#maxRooms()}: one line every 10 seconds at most, with the
 * count of refusals since the last one, since a client that keeps opening rooms would otherwise write one per join.
 */
final class RoomLimitLog {
    private static final Logger log = LoggerFactory.getLogger(RoomLimitLog.class);
    static final long EVERY_NANOS = 10_000_000_000L;

    private final LongSupplier nanoClock;
    private final AtomicLong lastWritten;
    private final AtomicLong heldBack = new AtomicLong();

    RoomLimitLog() {
        this(System::nanoTime);
    }

    RoomLimitLog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.lastWritten = new AtomicLong(nanoClock.getAsLong() - EVERY_NANOS);
    }

    /** Counts one new room refused at the limit, and writes the line when one is due; true when it was written. */
    boolean refused(String backend, int maxRooms) {
        long now = nanoClock.getAsLong();
        long last = lastWritten.get();
        if (now - last >= EVERY_NANOS && lastWritten.compareAndSet(last, now)) {
            long more = heldBack.getAndSet(0);
            log.warn("backend {} holds its maximum of {} rooms (--max-rooms): new rooms are refused (decision full)"
                    + " until rooms end; joins of existing rooms go on ({} more refusals since the last such line)",
                    backend, maxRooms, more);
            return true;
        }
        heldBack.incrementAndGet();
        return false;
    }
}
