package io.roomrouter.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one configuration did with the rooms of a {@link CurveSchedule}, counted as {@link PlacementSimulation}
 * counts ({@link CurveCounts}); a room is split when its players landed on two servers.
 *
 * <p>It also decides which joins are sent: a room's later players wait for the answer to its first join (the room
 * is refused whole or taken), so that a refused room's other players never come. Joins run on several threads, so
 * every method is synchronized; a player's connection is closed through the {@code close} it was recorded with,
 * when its seat's leave or its room's end comes, or at once when either came while it was joining.
 */
final class CurveTally {

    /** What to do with a join whose time came. */
    enum Send {
        /** The room's first join: send it. */
        FIRST,
        /** A later player of a room taken: send it. */
        LATER,
        /** The room's first join has no answer yet: the player waits for it (see {@link #joined}). */
        WAIT,
        /** The room was refused: its players do not come. */
        SKIP
    }

    private enum State { NEW, FIRST_PENDING, REFUSED, TAKEN }

    private static final class Room {
        State state = State.NEW;
        boolean ended;
        final List<Integer> waiting = new ArrayList<>();
        final Set<Integer> left = new HashSet<>();
        final Map<Integer, Runnable> connected = new HashMap<>();
        final Map<Integer, String> serverOf = new HashMap<>();
        final Set<String> servers = new HashSet<>();
    }

    private final CurveSchedule schedule;
    private final List<String> serverNames;
    private final Room[] rooms;
    private final Map<String, Integer> load = new HashMap<>();
    private final CurveCounts counts;

    CurveTally(CurveSchedule schedule, List<String> serverNames) {
        this.schedule = schedule;
        this.serverNames = List.copyOf(serverNames);
        this.counts = new CurveCounts(schedule);
        this.rooms = new Room[schedule.rooms().size()];
        for (int r = 0; r < rooms.length; r++) {
            rooms[r] = new Room();
        }
        serverNames.forEach(s -> load.put(s, 0));
    }

    /** The join of seat {@code s} of room {@code r} is due. */
    synchronized Send due(int r, int s) {
        Room room = rooms[r];
        switch (room.state) {
            case NEW -> {
                room.state = State.FIRST_PENDING;
                return Send.FIRST;
            }
            case FIRST_PENDING -> {
                room.waiting.add(s);
                return Send.WAIT;
            }
            case REFUSED -> {
                return Send.SKIP;
            }
            default -> {
                return Send.LATER;
            }
        }
    }

    /**
     * The join of seat {@code s} of room {@code r} was answered: {@code server} where it landed, empty when refused;
     * {@code close} closes its connection. Returns the seats that waited for this answer and are to be sent now
     * (only when it was the room's first join and the room is taken).
     */
    synchronized List<Integer> joined(int r, int s, boolean first, Optional<String> server, Runnable close) {
        Room room = rooms[r];
        if (first) {
            counts.roomOffered(r, server.isEmpty());
            if (server.isEmpty()) {
                room.state = State.REFUSED;
                room.waiting.clear();
                return List.of();
            }
            room.state = State.TAKEN;
        }
        counts.player(r, server.isEmpty());
        if (server.isEmpty()) {
            return List.of();
        }
        room.servers.add(server.get());
        if (room.ended || room.left.contains(s)) {
            close.run(); // its leave came while it was joining
        } else {
            room.connected.put(s, close);
            room.serverOf.put(s, server.get());
            load.merge(server.get(), 1, Integer::sum);
        }
        List<Integer> released = List.copyOf(room.waiting);
        room.waiting.clear();
        return room.ended ? List.of() : released;
    }

    /** Seat {@code s} of room {@code r} leaves. */
    synchronized void leave(int r, int s) {
        Room room = rooms[r];
        room.left.add(s);
        room.waiting.remove(Integer.valueOf(s));
        disconnect(room, s);
    }

    /** Room {@code r} ends: its players still there leave. Returns whether any of its joins was sent. */
    synchronized boolean end(int r) {
        Room room = rooms[r];
        room.ended = true;
        room.waiting.clear();
        for (Integer s : List.copyOf(room.connected.keySet())) {
            disconnect(room, s);
        }
        return room.state != State.NEW;
    }

    private void disconnect(Room room, int s) {
        Runnable close = room.connected.remove(s);
        if (close != null) {
            load.merge(room.serverOf.remove(s), -1, Integer::sum);
            close.run();
        }
    }

    /** Counts the players on each server now: the busiest over the mean, when any is connected. */
    synchronized void sample() {
        int total = 0;
        int max = 0;
        for (String server : serverNames) {
            int n = load.getOrDefault(server, 0);
            total += n;
            max = Math.max(max, n);
        }
        counts.sample(max, total, serverNames.size());
    }

    /** Players connected now. */
    synchronized int connected() {
        return load.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * The counts so far, as the simulation's outcome; {@code heldShare} and {@code strandedShare} come from
     * elsewhere (the agent), NaN when not measured.
     */
    synchronized PlacementSimulation.Outcome outcome(String label, double heldShare, double strandedShare) {
        int split = 0;
        for (int r = 0; r < rooms.length; r++) {
            split += schedule.measured(r) && rooms[r].servers.size() > 1 ? 1 : 0;
        }
        return counts.outcome(label, split, heldShare, strandedShare);
    }
}
