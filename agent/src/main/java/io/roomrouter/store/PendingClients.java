package io.roomrouter.store;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The Redis store's per-client bound, kept by each agent: the new rooms each client opened through this agent whose
 * reservation window has not ended, plus its first joins still waiting for Redis (so that a burst of first joins
 * cannot all pass before the first answer comes). The agent sees a room's arrivals only through its own HAProxy, so a
 * room counts until its window ends: the conservative side. One lock; entries exist only while a client holds a room
 * or a join in flight, so the map is bounded by the rooms opened within one window.
 */
final class PendingClients {
    private final int max;
    private final long windowMillis;
    private final Map<String, Tally> clients = new HashMap<>();

    PendingClients(int max, long windowMillis) {
        this.max = max;
        this.windowMillis = windowMillis;
    }

    /**
     * Whether {@code client} may open one more room now; if so, a slot is taken for the join in flight, which
     * {@link #opened} or {@link #cancel} must give back.
     */
    synchronized boolean tryTake(String client, long now) {
        Tally tally = clients.get(client);
        if (tally == null) {
            tally = new Tally();
            clients.put(client, tally);
        }
        tally.prune(now);
        if (tally.inFlight + tally.windowEnds.size() >= max) {
            return false;
        }
        tally.inFlight++;
        return true;
    }

    /** The join in flight opened a room at {@code placedMillis}: it counts until its window ends. */
    synchronized void opened(String client, long placedMillis) {
        Tally tally = clients.get(client);
        if (tally != null) {
            tally.inFlight--;
            tally.windowEnds.add(placedMillis + windowMillis);
        }
    }

    /** The join in flight opened no room (the room existed, or was refused, or Redis did not answer). */
    synchronized void cancel(String client, long now) {
        Tally tally = clients.get(client);
        if (tally != null) {
            tally.inFlight--;
            tally.prune(now);
            if (tally.isEmpty()) {
                clients.remove(client);
            }
        }
    }

    /** The rooms {@code client} holds now, joins in flight included. */
    synchronized int pending(String client, long now) {
        Tally tally = clients.get(client);
        if (tally == null) {
            return 0;
        }
        tally.prune(now);
        return tally.inFlight + tally.windowEnds.size();
    }

    /** Forgets clients that hold nothing any more; the store calls it now and then. */
    synchronized void forgetIdle(long now) {
        Iterator<Tally> tallies = clients.values().iterator();
        while (tallies.hasNext()) {
            Tally tally = tallies.next();
            tally.prune(now);
            if (tally.isEmpty()) {
                tallies.remove();
            }
        }
    }

    synchronized int clients() {
        return clients.size();
    }

    private static final class Tally {
        int inFlight;
        /** The window ends of its rooms, in opening order (one window for all, so in time order). */
        final ArrayDeque<Long> windowEnds = new ArrayDeque<>(4);

        void prune(long now) {
            while (!windowEnds.isEmpty() && windowEnds.peek() <= now) {
                windowEnds.poll();
            }
        }

        boolean isEmpty() {
            return inFlight == 0 && windowEnds.isEmpty();
        }
    }
}
