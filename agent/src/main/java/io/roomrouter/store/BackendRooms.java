package io.roomrouter.store;

import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.ServerLoad;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The rooms of one backend and the seats they hold, guarded by this object's monitor.
 *
 * <p>Seat accounting: a server's load is HAProxy's live connections plus the seats held for players who have not
 * arrived yet. A new room holds its whole size; each arrival gives one seat back once an inventory snapshot taken
 * well after it (so that HAProxy already counts the player) has been seen; at the end of the reservation window
 * the room holds nothing more. Once a room has seen most of its players ({@link RoomLifetimes#mostArrived}), its
 * window ends {@code stragglerHold} after that arrival if that is sooner: the stragglers' seats are given back
 * early, and a straggler who comes later still joins the room's server (never another), where HAProxy queues it
 * if that server is full. So a room is never split by its server filling up, yet seats are not stranded for a
 * room's whole life, nor for a whole window by players who may never come.
 *
 * <p>Every time-driven change is a queue in time order, so each costs O(1) per event: rooms sit in join order
 * (an access-ordered map, so the least recently joined room is first), reservations in placement order (the
 * window is the same for all), early ends in the order their rooms saw most of their players (the straggler hold is
 * the same for all) and arrivals in arrival order. Arrivals older than the window are dropped whether
 * or not a snapshot confirmed them (their room's seats came back with the window): with a static inventory, or
 * while the runtime API is lost, no new snapshot comes, and the queue would otherwise grow with every join.
 *
 * <p>Bounds ({@link RoomBounds}) apply to new rooms only: a client holds a room from its placement until every seat
 * is claimed, the window ends or the room ends, and past {@code maxPendingPerClient} such rooms its next new room is
 * rejected; past {@code maxRooms} rooms a new room is refused as full. A join of a room that exists, moved or not,
 * is never refused by them.
 */
final class BackendRooms {
    private final RoomLifetimes lifetimes;
    private final RoomBounds bounds;
    private final RoomLimitLog limitLog;
    private final String backend;
    private final LinkedHashMap<String, Room> rooms = new LinkedHashMap<>(1024, 0.75f, true);
    private final ArrayDeque<Room> reserving = new ArrayDeque<>();
    private final ArrayDeque<EarlyEnd> earlyEnds = new ArrayDeque<>();
    private final ArrayDeque<Arrival> arrivals = new ArrayDeque<>();
    private final Map<String, int[]> heldByServer = new HashMap<>();
    // The client of each room still waiting for players, and how many such rooms each client holds. Entries live
    // only while a room is pending, so both are bounded by the rooms placed within one window.
    private final Map<Room, String> pendingClient = new HashMap<>();
    private final Map<String, int[]> pendingByClient = new HashMap<>();
    private long lastSnapshotMillis = Long.MIN_VALUE;
    // The loads of the last snapshot seen, rebuilt only when the snapshot or a held seat changes: joins to known
    // rooms, most joins, change neither.
    private List<ServerLoad> cachedLoads = List.of();
    private BackendSnapshot loadsOf;
    private boolean loadsStale = true;

    BackendRooms(String backend, RoomLifetimes lifetimes, RoomBounds bounds, RoomLimitLog limitLog) {
        this.backend = backend;
        this.lifetimes = lifetimes;
        this.bounds = bounds;
        this.limitLog = limitLog;
    }

    synchronized Placement join(JoinRequest request, BackendSnapshot snapshot, long now) {
        return join(request, snapshot, now, Optional.empty());
    }

    /**
     * As {@link #join(JoinRequest, BackendSnapshot, long)}; when the room is unknown here and {@code stuck} (HAProxy's
     * stick table) has it on a server that keeps rooms, the room is adopted there instead of placed: its players
     * are there already (see {@link #adopt}).
     */
    synchronized Placement join(JoinRequest request, BackendSnapshot snapshot, long now, Optional<StuckRoom> stuck) {
        confirmArrivals(snapshot.takenAtMillis());
        expire(now);
        Room room = rooms.get(request.room());
        boolean adopted = false;
        if (room == null && stuck.isPresent()) {
            Optional<ServerStatus> server = snapshot.server(stuck.get().server());
            if (server.isPresent() && server.get().state().keepsRooms()) {
                room = adopt(request.room(), server.get().name(), request.size(), stuck.get(), now);
                adopted = true;
            }
        }
        List<ServerLoad> loads = loads(snapshot);
        String movedReason = null;
        if (room != null) {
            Optional<ServerStatus> server = snapshot.server(room.server);
            if (server.isPresent() && server.get().state().keepsRooms()) {
                room.joinedAt(now);
                countArrival(room, request.player(), now);
                ServerStatus status = server.get();
                Optional<String> fallback =
                        PlacementPolicy.fallback(request.room(), room.server, request.size(), loads);
                String named = fallback.orElse(null);
                if (!Objects.equals(room.fallback, named)) {
                    room.fallback = named; // rooms live in the old generation: a write there costs the next young GC
                }
                return Placement.routed(Decision.STICKY, room.server, fallback,
                        adopted ? Reasons.ADOPTED : Reasons.STICKY, load(status), status.capacity());
            }
            movedReason = Reasons.serverGone(room.server, server.map(ServerStatus::state));
            end(request.room(), room);
            Optional<ServerLoad> named = namedFallback(room, loads);
            if (named.isPresent()) {
                return settle(request, named.get(), now, Reasons.toFallback(movedReason), Decision.MOVED, loads);
            }
        }
        if (movedReason == null) {
            Optional<Placement> refused = refuseNewRoom(request);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        return place(request, loads, now, movedReason);
    }

    // Only ever called for a room that does not exist: the bounds never refuse a player of an existing room.
    private Optional<Placement> refuseNewRoom(JoinRequest request) {
        if (request.client().isPresent()) {
            int[] pending = pendingByClient.get(request.client().get());
            if (pending != null && pending[0] >= bounds.maxPendingPerClient()) {
                return Optional.of(Placement.rejected(bounds.clientReason()));
            }
        }
        if (rooms.size() >= bounds.maxRooms()) {
            limitLog.refused(backend, bounds.maxRooms());
            return Optional.of(Placement.full(bounds.roomsReason()));
        }
        return Optional.empty();
    }

    // The fallback named for the room, if it is still UP: while only HAProxy knew that the room's server had failed,
    // it sent the room's players there, so the room goes there too, even past the seats it would otherwise need.
    private static Optional<ServerLoad> namedFallback(Room room, List<ServerLoad> loads) {
        if (room.fallback == null) {
            return Optional.empty();
        }
        for (ServerLoad load : loads) {
            if (load.name().equals(room.fallback) && load.status().state() == ServerState.UP) {
                return Optional.of(load);
            }
        }
        return Optional.empty();
    }

    /**
     * A room HAProxy's stick table has on {@code server} (which keeps rooms), taken as it is. A room seen within
     * the reservation window may still be filling: it holds, for a window from now, the seats of the players who
     * are not there yet (see {@link #holdUnclaimed}).
     */
    private Room adopt(String roomId, String server, int size, StuckRoom stuck, long now) {
        Room room = new Room(server, size, now);
        rooms.put(roomId, room);
        if (stuck.idleMillis() < lifetimes.reservationWindow().toMillis()) {
            holdUnclaimed(room, connectedOf(room, stuck), now);
        } else {
            room.players = null; // long settled: nothing to hold, no arrivals to count
        }
        return room;
    }

    /**
     * Holds the seats of a room read from the stick table, in reservation from now: its whole size less the
     * {@code there} players the table counts connected ({@link #connectedOf}), who are in HAProxy's live connections
     * already and would otherwise be counted twice (a server looking full with room to spare). Those players are
     * counted as arrived, though their ids are not known: one of them reconnecting counts as a new arrival, and
     * gives its seat back early.
     */
    private void holdUnclaimed(Room room, int there, long now) {
        room.arrived = (short) there;
        reserving.add(room);
        int held = room.size - there;
        if (held > 0) {
            changeHeld(room.server, held);
            room.heldSeats = (short) held;
            if (RoomLifetimes.mostArrived(there, room.size)) {
                earlyEnds.add(new EarlyEnd(room, now + lifetimes.stragglerHold().toMillis()));
            }
        }
    }

    /**
     * The room's players connected now, by the table's {@code conn_cur}, at most its size; 0 when the table does
     * not store it: the room then holds its whole size, fuller than it is, never emptier.
     */
    private static short connectedOf(Room room, StuckRoom stuck) {
        return (short) Math.min(room.size, stuck.connected().orElse(0));
    }

    synchronized boolean knows(String roomId) {
        return rooms.containsKey(roomId);
    }

    /**
     * Rooms read from HAProxy's stick table at start-up ({@link #rebuild}), gathered before they are put in: rooms
     * sit in last-join order (the idle timeout ends them oldest first) and the table lists them in no order.
     */
    final class Rebuild {
        private final BackendSnapshot snapshot;
        private final int roomSize;
        private final long now;
        private final List<String> ids = new ArrayList<>();
        private final List<Room> found = new ArrayList<>();

        private Rebuild(BackendSnapshot snapshot, int roomSize, long now) {
            this.snapshot = snapshot;
            this.roomSize = roomSize;
            this.now = now;
        }

        /** Takes {@code stuck} when its server keeps rooms now; false when it is skipped. */
        boolean add(StuckRoom stuck) {
            Optional<ServerStatus> server = snapshot.server(stuck.server());
            if (server.isEmpty() || !server.get().state().keepsRooms()
                    || stuck.idleMillis() >= lifetimes.idleTimeout().toMillis()) {
                return false;
            }
            ids.add(stuck.room());
            // The snapshot's name: one string per server, not one per room.
            Room room = new Room(server.get().name(), roomSize, now - stuck.idleMillis());
            room.arrived = connectedOf(room, stuck);
            found.add(room);
            return true;
        }

        /** Puts the rooms gathered in, oldest join first; returns how many were new here. */
        int finish() {
            long[] order = new long[found.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = ((long) found.get(i).lastJoinSecond() << 32) | i;
            }
            Arrays.sort(order);
            long windowMillis = lifetimes.reservationWindow().toMillis();
            int added = 0;
            synchronized (BackendRooms.this) {
                for (long entry : order) {
                    int i = (int) entry;
                    String id = ids.get(i);
                    Room room = found.get(i);
                    if (rooms.containsKey(id)) {
                        continue;
                    }
                    rooms.put(id, room);
                    added++;
                    // Seen within the window: maybe still filling, so it holds the seats of its players not there
                    // yet until the window counted from that last join ends (see holdUnclaimed).
                    if (!room.reservationOverAt(now, windowMillis)) {
                        holdUnclaimed(room, room.arrived, now);
                    } else {
                        room.players = null;
                    }
                }
            }
            ids.clear();
            found.clear();
            return added;
        }
    }

    Rebuild rebuild(BackendSnapshot snapshot, int roomSize, long now) {
        return new Rebuild(snapshot, roomSize, now);
    }

    synchronized boolean release(String roomId, long now) {
        expire(now);
        Room room = rooms.get(roomId);
        if (room == null) {
            return false;
        }
        end(roomId, room);
        return true;
    }

    synchronized void expire(long now) {
        long windowMillis = lifetimes.reservationWindow().toMillis();
        for (Room room = reserving.peek(); room != null; room = reserving.peek()) {
            if (room.ended) {
                reserving.poll();
            } else if (room.reservationOverAt(now, windowMillis)) {
                reserving.poll();
                endReservation(room);
            } else {
                break;
            }
        }
        for (EarlyEnd early = earlyEnds.peek(); early != null && early.atMillis <= now; early = earlyEnds.peek()) {
            earlyEnds.poll();
            if (!early.room.ended && early.room.players != null) {
                endReservation(early.room); // still in its window: the stragglers' seats come back now
            }
        }
        long idleMillis = lifetimes.idleTimeout().toMillis();
        Iterator<Room> oldestFirst = rooms.values().iterator();
        while (oldestFirst.hasNext()) {
            Room room = oldestFirst.next();
            if (!room.idleAt(now, idleMillis)) {
                break;
            }
            oldestFirst.remove();
            releaseHeld(room);
            endPending(room);
            room.ended = true;
        }
        // One second past the window: a room's window starts at its placement rounded up to the second.
        for (Arrival arrival = arrivals.peek(); arrival != null; arrival = arrivals.peek()) {
            if (arrival.atMillis + windowMillis + 1000 > now) {
                break;
            }
            arrivals.poll();
        }
    }

    private void endReservation(Room room) {
        releaseHeld(room);
        endPending(room);
        room.players = null; // only needed to count arrivals against the reservation
    }

    /** How many rooms {@code client} holds that still wait for players. */
    synchronized int pendingRooms(String client) {
        int[] pending = pendingByClient.get(client);
        return pending == null ? 0 : pending[0];
    }

    /** Arrivals waiting for a snapshot to confirm them. */
    synchronized int arrivalsQueued() {
        return arrivals.size();
    }

    synchronized int size() {
        return rooms.size();
    }

    synchronized int heldSeats(String server) {
        int[] held = heldByServer.get(server);
        return held == null ? 0 : held[0];
    }

    // The inventory hands out one snapshot object per refresh: the same object is the same servers.
    @SuppressWarnings("ReferenceEquality")
    private List<ServerLoad> loads(BackendSnapshot snapshot) {
        if (snapshot != loadsOf || loadsStale) {
            List<ServerLoad> fresh = new ArrayList<>(snapshot.servers().size());
            for (ServerStatus server : snapshot.servers()) {
                fresh.add(new ServerLoad(server, heldSeats(server.name())));
            }
            cachedLoads = fresh;
            loadsOf = snapshot;
            loadsStale = false;
        }
        return cachedLoads;
    }

    private Placement place(JoinRequest request, List<ServerLoad> loads, long now, String movedReason) {
        Optional<ServerLoad> choice = movedReason == null
                ? PlacementPolicy.choose(request.room(), request.size(), loads)
                : PlacementPolicy.chooseSuccessor(request.room(), request.size(), loads);
        if (choice.isEmpty()) {
            return Placement.full(movedReason == null ? Reasons.noServerFits(request.size(), loads)
                    : Reasons.movedButNoServerFits(movedReason, request.size(), loads));
        }
        if (movedReason != null) {
            return settle(request, choice.get(), now, movedReason, Decision.MOVED, loads);
        }
        return settle(request, choice.get(), now, Reasons.PLACED, Decision.PLACED, loads);
    }

    /** Puts a new room, or a moved one, on {@code chosen}, holding seats for all its players. */
    private Placement settle(JoinRequest request, ServerLoad chosen, long now, String reason, Decision decision,
            List<ServerLoad> loads) {
        Room room = new Room(chosen.name(), request.size(), now);
        rooms.put(request.room(), room);
        reserving.add(room);
        changeHeld(room.server, room.size);
        room.heldSeats = room.size;
        if (decision == Decision.PLACED && request.client().isPresent()) {
            String client = request.client().get();
            pendingClient.put(room, client);
            pendingByClient.computeIfAbsent(client, c -> new int[1])[0]++;
        }
        countArrival(room, request.player(), now);
        int load = chosen.load() + request.size();
        Optional<String> fallback = PlacementPolicy.fallback(request.room(), chosen.name(), request.size(), loads);
        room.fallback = fallback.orElse(null);
        return Placement.routed(decision, chosen.name(), fallback, reason, load, chosen.capacity());
    }

    private void countArrival(Room room, Optional<String> player, long now) {
        if (room.players == null || room.arrived >= room.size) {
            return; // past its reservation, or every seat already claimed
        }
        if (player.isPresent() && !room.addPlayer(player.get())) {
            return; // a reconnect: this player's seat was counted already
        }
        room.arrived++;
        arrivals.add(new Arrival(room, now));
        if (room.arrived >= room.size) {
            endPending(room); // every seat claimed: the room no longer waits for anyone
        } else if (RoomLifetimes.mostArrived(room.arrived, room.size)
                && !RoomLifetimes.mostArrived(room.arrived - 1, room.size)) {
            // Most of its players are in: the rest are stragglers or no-shows, held for a short while only.
            earlyEnds.add(new EarlyEnd(room, now + lifetimes.stragglerHold().toMillis()));
        }
    }

    private void endPending(Room room) {
        if (pendingClient.isEmpty()) {
            return;
        }
        String client = pendingClient.remove(room);
        if (client != null) {
            int[] pending = pendingByClient.get(client);
            if (--pending[0] == 0) {
                pendingByClient.remove(client);
            }
        }
    }

    private void confirmArrivals(long snapshotMillis) {
        if (snapshotMillis == lastSnapshotMillis) {
            return;
        }
        lastSnapshotMillis = snapshotMillis;
        for (Arrival arrival = arrivals.peek(); arrival != null; arrival = arrivals.peek()) {
            if (arrival.atMillis + RoomLifetimes.ARRIVAL_SETTLE_MILLIS > snapshotMillis) {
                break;
            }
            arrivals.poll();
            Room room = arrival.room;
            if (!room.ended && room.heldSeats > 0) {
                room.heldSeats--;
                changeHeld(room.server, -1);
            }
        }
    }

    private void end(String roomId, Room room) {
        rooms.remove(roomId);
        releaseHeld(room);
        endPending(room);
        room.ended = true;
    }

    private void releaseHeld(Room room) {
        if (room.heldSeats > 0) {
            changeHeld(room.server, -room.heldSeats);
            room.heldSeats = 0;
        }
    }

    private void changeHeld(String server, int delta) {
        heldByServer.computeIfAbsent(server, name -> new int[1])[0] += delta;
        loadsStale = true;
    }

    private int load(ServerStatus status) {
        return status.liveConnections() + heldSeats(status.name());
    }

    /** One player's arrival in a room, waiting until HAProxy's live count surely includes it. */
    private record Arrival(Room room, long atMillis) {}

    /** When a room that has seen most of its players stops holding seats for the rest, unless its window ended. */
    private record EarlyEnd(Room room, long atMillis) {}

    // Queries for operators (the admin endpoint's room API and status page), never on the decision path. They hold
    // the lock only to copy references or read a few rooms, and never call rooms.get(): the map is in access order,
    // so a get() would move the room as a join does, and the idle timeout, which ends rooms oldest join first, would
    // then keep a room that an operator looks at alive.

    /** The room {@code roomId} as it is at {@code now}, or empty when no such room lives. */
    synchronized Optional<RoomView> view(String roomId, long now) {
        expire(now);
        if (!rooms.containsKey(roomId)) {
            return Optional.empty(); // the common miss costs O(1); a hit walks the rooms (see above)
        }
        int hash = roomId.hashCode();
        for (Map.Entry<String, Room> entry : rooms.entrySet()) {
            String id = entry.getKey();
            if (id.hashCode() == hash && id.equals(roomId)) {
                return Optional.of(view(id, entry.getValue()));
            }
        }
        return Optional.empty();
    }

    /** Every room id and its room, in two arrays of the same order: copied under the lock, read outside it. */
    synchronized Entries entries(long now) {
        expire(now);
        String[] ids = new String[rooms.size()];
        Room[] found = new Room[ids.length];
        int i = 0;
        for (Map.Entry<String, Room> entry : rooms.entrySet()) {
            ids[i] = entry.getKey();
            found[i++] = entry.getValue();
        }
        return new Entries(ids, found);
    }

    /** The views of {@code chosen} (from {@link #entries}), skipping the rooms that ended since. */
    synchronized List<RoomView> views(List<String> ids, List<Room> chosen) {
        List<RoomView> views = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) {
            if (!chosen.get(i).ended) {
                views.add(view(ids.get(i), chosen.get(i)));
            }
        }
        return views;
    }

    /** Seats held on each of {@code servers}. */
    synchronized Map<String, Integer> heldSeats(List<String> servers) {
        Map<String, Integer> held = new HashMap<>();
        for (String server : servers) {
            held.put(server, heldSeats(server));
        }
        return held;
    }

    // Under the lock: the fields of a room change under it.
    private RoomView view(String id, Room room) {
        return new RoomView(backend, id, room.server, Optional.ofNullable(room.fallback), room.size, room.arrived,
                room.heldSeats, OptionalLong.of(room.placedMillis()), room.lastJoinMillis());
    }

    /** Room ids and rooms, as {@link #entries} copied them. A room's {@code server} is final: readable anywhere. */
    static final class Entries {
        final String[] ids;
        final Room[] rooms;

        Entries(String[] ids, Room[] rooms) {
            this.ids = ids;
            this.rooms = rooms;
        }
    }

    /**
     * Rooms still within their reservation window (not ended), for metrics at scrape time, off the decision path:
     * one step per room placed within the window, under the lock. A window that ended since the last join or expiry
     * pass (every second) still counts until then.
     */
    synchronized int reservingRooms() {
        int count = 0;
        for (Room room : reserving) {
            if (!room.ended && room.players != null) { // players is dropped when the window ends, early or not
                count++;
            }
        }
        return count;
    }
}
