package io.roomrouter.agent;

import io.roomrouter.placement.Placement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@link #CAPACITY} decisions, for the status page and the room API: a fixed ring that event loops write
 * into without a lock or a wait (one atomic increment and one store per decision), and readers copy. A reader racing
 * writers may miss a decision being overwritten; it never sees a torn one (each slot holds an immutable record).
 */
final class RecentDecisions {
    /** A power of two, so that a slot is the count masked. */
    static final int CAPACITY = 64;

    /** One decision as it was answered. */
    record Recent(long atMillis, String room, String backend, Placement placement, long micros) {}

    private final AtomicReferenceArray<Recent> ring = new AtomicReferenceArray<>(CAPACITY);
    private final AtomicLong written = new AtomicLong();

    void add(Recent decision) {
        long slot = written.getAndIncrement();
        // A release store: no fence a plain volatile write would cost; readers see the record whole.
        ring.setRelease((int) (slot & (CAPACITY - 1)), decision);
    }

    /** Decisions made so far, over the agent's life. */
    long count() {
        return written.get();
    }

    /** The decisions the ring holds, newest first. */
    List<Recent> newestFirst() {
        List<Recent> copy = new ArrayList<>(CAPACITY);
        long newest = written.get() - 1;
        // From the newest slot back, so that decisions of one millisecond keep their order; then a stable sort by
        // time, for slots a racing writer had counted but not yet filled.
        for (long slot = newest; slot > newest - CAPACITY && slot >= 0; slot--) {
            Recent decision = ring.getAcquire((int) (slot & (CAPACITY - 1)));
            if (decision != null) {
                copy.add(decision);
            }
        }
        copy.sort(Comparator.comparingLong(Recent::atMillis).reversed());
        return copy;
    }
}
