package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rooms in this process's memory: the zero-set-up store for one HAProxy. Each backend's rooms sit behind one
 * lock ({@link BackendRooms}); a decision holds it for a few microseconds and does no I/O, so it runs on the
 * calling event loop and its stage is already complete when returned.
 */
public final class MemoryRoomStore implements RoomStore {
    private final ConcurrentHashMap<String, BackendRooms> backends = new ConcurrentHashMap<>();
    private final RoomLifetimes lifetimes;
    private final LongSupplier clock;
    private final RoomBounds bounds;
    private final RoomLimitLog limitLog = new RoomLimitLog();

    /** A store on the wall clock, without bounds. */
    public MemoryRoomStore(RoomLifetimes lifetimes) {
        this(lifetimes, RoomBounds.NONE, System::currentTimeMillis);
    }

    /** A store on the wall clock. */
    public MemoryRoomStore(RoomLifetimes lifetimes, RoomBounds bounds) {
        this(lifetimes, bounds, System::currentTimeMillis);
    }

    /** A store without bounds on the given clock, in epoch milliseconds. */
    public MemoryRoomStore(RoomLifetimes lifetimes, LongSupplier clock) {
        this(lifetimes, RoomBounds.NONE, clock);
    }

    /** A store on the given clock, in epoch milliseconds; inventory snapshots must use the same clock. */
    public MemoryRoomStore(RoomLifetimes lifetimes, RoomBounds bounds, LongSupplier clock) {
        this.lifetimes = Objects.requireNonNull(lifetimes, "lifetimes");
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
        return CompletableFuture.completedFuture(rooms(request.backend()).join(request, backend, clock.getAsLong()));
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
