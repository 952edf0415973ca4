package io.roomrouter.store;

import io.roomrouter.store.RedisRoomCache.RoomId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Redis store's per-client bound, kept by each agent: the new rooms each client opened through this agent that
 * still wait for players, plus its first joins still waiting for Redis (so that a burst of first joins cannot all
 * pass before the first answer comes). A room waits for players until its reservation window ends, or until Redis
 * says it no longer does ({@link #settled}: every seat claimed, or the straggler hold ended its window early),
 * which only Redis can tell: the room's other players may come through other agents. Until Redis says so, the room
 * counts: the conservative side.
 *
 * <p>One lock; entries exist only while a client holds a room or a join in flight, so the map and the rotation are
 * bounded by the rooms opened within one window.
 */
final class PendingClients {
    private final int max;
    private final long windowMillis;
    private final Map<String, Tally> clients = new HashMap<>();
    // Every room held, in the order the next checks take them (nextToCheck): each is asked about in turn. A room
    // settled or past its window leaves it when a check or forgetIdle comes to it.
    private final ArrayDeque<HeldRoom> rotation = new ArrayDeque<>();

    PendingClients(int max, long windowMillis) {
        this.max = max;
        this.windowMillis = windowMillis;
    }

    /** A room a client opened, as Redis placed it: its epoch tells it from a later room of the same name. */
    record HeldRoom(String client, RoomId id, String epoch, long windowEnd) {}

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
        if (tally.inFlight + tally.rooms.size() >= max) {
            return false;
        }
        tally.inFlight++;
        return true;
    }

    /**
     * The join in flight opened room {@code id} at {@code placedMillis}, its epoch {@code epoch}: it counts until
     * its window ends or Redis says it settled.
     */
    synchronized void opened(String client, RoomId id, String epoch, long placedMillis) {
        Tally tally = clients.get(client);
        if (tally != null) {
            tally.inFlight--;
            HeldRoom room = new HeldRoom(client, id, epoch, placedMillis + windowMillis);
            tally.rooms.add(room);
            rotation.add(room);
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

    /**
     * Up to {@code most} rooms still held, to ask Redis whether they still wait for players: the ones asked about
     * longest ago first, so that with more rooms than one check takes every room is still asked in turn.
     */
    synchronized List<HeldRoom> nextToCheck(int most, long now) {
        List<HeldRoom> next = new ArrayList<>(Math.min(most, rotation.size()));
        for (int seen = rotation.size(); seen > 0 && next.size() < most; seen--) {
            HeldRoom room = rotation.poll();
            if (!holds(room, now)) {
                continue;
            }
            next.add(room);
            rotation.add(room);
        }
        return next;
    }

    /** Redis says {@code room} no longer waits for players (or no longer exists): its client holds it no more. */
    synchronized void settled(HeldRoom room) {
        Tally tally = clients.get(room.client());
        if (tally != null && tally.rooms.remove(room) && tally.isEmpty()) {
            clients.remove(room.client());
        }
    }

    // Whether its client still holds the room: not settled, and its window not ended. Called holding the lock.
    private boolean holds(HeldRoom room, long now) {
        Tally tally = clients.get(room.client());
        return room.windowEnd() > now && tally != null && tally.rooms.contains(room);
    }

    /** The rooms {@code client} holds now, joins in flight included. */
    synchronized int pending(String client, long now) {
        Tally tally = clients.get(client);
        if (tally == null) {
            return 0;
        }
        tally.prune(now);
        return tally.inFlight + tally.rooms.size();
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
        rotation.removeIf(room -> !holds(room, now));
    }

    synchronized int clients() {
        return clients.size();
    }

    private static final class Tally {
        int inFlight;
        /** Its rooms still held, in opening order (one window for all, so in order of their windows' ends). */
        final ArrayDeque<HeldRoom> rooms = new ArrayDeque<>(4);

        void prune(long now) {
            while (!rooms.isEmpty() && rooms.peek().windowEnd() <= now) {
                rooms.poll();
            }
        }

        boolean isEmpty() {
            return inFlight == 0 && rooms.isEmpty();
        }
    }
}
