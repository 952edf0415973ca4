package io.roomrouter.store;

import io.roomrouter.haproxy.StickTable;
import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Rooms in this process's memory: the zero-set-up store for one HAProxy. Each backend's rooms sit behind one
 * lock ({@link BackendRooms}); a decision holds it for a few microseconds and does no I/O, so it runs on the
 * calling event loop and its stage is already complete when returned.
 *
 * <p>A room this store does not know is first looked up in HAProxy's stick table ({@link StickTable}), when one
 * is given: a room that began while the agent was down or paused (HAProxy hashed it, and its table remembers
 * where) is adopted on its server instead of placed anew. That join's stage completes when the table answers
 * or its bound passes, on the table's thread; joins to known rooms stay synchronous. At start-up the rooms of a
 * restarted agent are read back from the table ({@link #rebuild}).
 */
public final class MemoryRoomStore implements RoomStore {
    private final ConcurrentHashMap<String, BackendRooms> backends = new ConcurrentHashMap<>();
    private final RoomLifetimes lifetimes;
    private final LongSupplier clock;
    private final RoomBounds bounds;
    private final RoomLimitLog limitLog = new RoomLimitLog();
    private final StickTable table;

    /** A store on the wall clock, without bounds or a stick table. */
    public MemoryRoomStore(RoomLifetimes lifetimes) {
        this(lifetimes, RoomBounds.NONE, System::currentTimeMillis);
    }

    /** A store without bounds or a stick table on the given clock, in epoch milliseconds. */
    public MemoryRoomStore(RoomLifetimes lifetimes, LongSupplier clock) {
        this(lifetimes, RoomBounds.NONE, clock);
    }

    /** A store without a stick table on the given clock, in epoch milliseconds. */
    public MemoryRoomStore(RoomLifetimes lifetimes, RoomBounds bounds, LongSupplier clock) {
        this(lifetimes, bounds, clock, StickTable.NONE);
    }

    /**
     * A store on the given clock, in epoch milliseconds (inventory snapshots must use the same clock), that asks
     * {@code table} where a room it does not know lives before placing it.
     */
    public MemoryRoomStore(RoomLifetimes lifetimes, RoomBounds bounds, LongSupplier clock, StickTable table) {
        this.lifetimes = Objects.requireNonNull(lifetimes, "lifetimes");
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
        BackendRooms rooms = rooms(request.backend());
        if (table == StickTable.NONE || rooms.knows(request.room())) {
            return CompletableFuture.completedFuture(rooms.join(request, backend, clock.getAsLong()));
        }
        // Another join of the same room may decide it meanwhile: join() takes the room as it finds it then, and
        // uses what the table said only if the room is still unknown.
        return table.find(request.backend(), request.room())
                .thenApply(stuck -> rooms.join(request, backend, clock.getAsLong(), stuck));
    }

    /**
     * Gathers the rooms of {@code backend} as HAProxy's stick table lists them, for a restarted agent, before
     * it answers joins: each room on a server that keeps rooms now (in {@code backend}) is known again with its
     * idle time, rooms of {@code roomSize} seen within the reservation window hold their seats (see
     * {@link BackendRooms#adopt}). {@link Rebuild#finish()} puts them in.
     */
    public Rebuild rebuild(BackendSnapshot backend, int roomSize) {
        return new Rebuild(rooms(backend.backend()).rebuild(backend, roomSize, clock.getAsLong()));
    }

    /** Rooms being read back from a stick table: {@link #test} each, then {@link #finish()} once. */
    public static final class Rebuild implements Predicate<StuckRoom> {
        private final BackendRooms.Rebuild rebuild;

        private Rebuild(BackendRooms.Rebuild rebuild) {
            this.rebuild = rebuild;
        }

        /** Takes the room when its server keeps rooms and it has not been idle past the timeout. */
        @Override
        public boolean test(StuckRoom room) {
            return rebuild.add(room);
        }

        /** Puts the rooms taken in; returns how many. */
        public int finish() {
            return rebuild.finish();
        }
    }

    @Override
    public CompletionStage<Boolean> release(String backend, String room) {
        BackendRooms rooms = backends.get(backend);
        return CompletableFuture.completedFuture(rooms != null && rooms.release(room, clock.getAsLong()));
    }

    /** Ends the rooms that have been idle too long, in every backend; the agent calls it about every second. */
    public void expireIdleRooms() {
        long now = clock.getAsLong();
        backends.values().forEach(rooms -> rooms.expire(now));
    }

    /** How many rooms live in {@code backend} now. */
    public int roomCount(String backend) {
        BackendRooms rooms = backends.get(backend);
        return rooms == null ? 0 : rooms.size();
    }

    /** How many rooms of {@code backend} are still in their reservation window (their players still arriving). */
    public int reservingRooms(String backend) {
        BackendRooms rooms = backends.get(backend);
        return rooms == null ? 0 : rooms.reservingRooms();
    }

    /** The seats held on {@code server} of {@code backend} for players who have not arrived yet. */
    public int heldSeats(String backend, String server) {
        BackendRooms rooms = backends.get(backend);
        return rooms == null ? 0 : rooms.heldSeats(server);
    }

    /** How many rooms of {@code backend} that still wait for players {@code client} holds. */
    public int pendingRooms(String backend, String client) {
        BackendRooms rooms = backends.get(backend);
        return rooms == null ? 0 : rooms.pendingRooms(client);
    }

    /** Arrivals of {@code backend} waiting for an inventory snapshot to confirm them. */
    public int arrivalsQueued(String backend) {
        BackendRooms rooms = backends.get(backend);
        return rooms == null ? 0 : rooms.arrivalsQueued();
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public void close() {
        backends.clear();
    }

    private BackendRooms rooms(String backend) {
        return backends.computeIfAbsent(backend, name -> new BackendRooms(name, lifetimes, bounds, limitLog));
    }
}
