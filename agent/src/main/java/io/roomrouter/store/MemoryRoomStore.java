package io.roomrouter.store;

import io.roomrouter.haproxy.StickTable;
import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.TableHint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Rooms in this process's memory: the zero-set-up store for one HAProxy. Each backend's rooms sit behind one
 * lock ({@link BackendRooms}); a decision holds it for a few microseconds and does no I/O, so it runs on the
 * calling event loop and its stage is already complete when returned.
 *
 * <p>A room this store does not know is first looked up in HAProxy's stick table ({@link StickTable}), when one
 * is given: a room that began while the agent was down or paused (HAProxy hashed it, and its table remembers
 * where) is adopted on its server instead of placed anew. That join's stage completes when the table answers
 * or its bound passes, on the table's thread; joins to known rooms stay synchronous. At start-up the rooms of a
 * restarted agent are read back from the table ({@link #readBack}).
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
        if (table == StickTable.NONE || !request.table().mayBeInTable() || rooms.knows(request.room())) {
            return CompletableFuture.completedFuture(rooms.join(request, backend, clock.getAsLong()));
        }
        // Another join of the same room may decide it meanwhile: join() takes the room as it finds it then, and
        // uses what the table said only if the room is still unknown.
        return table.find(request.backend(), request.room()).thenApply(lookup -> {
            if (!lookup.answered() && request.table() == TableHint.IN_TABLE && !rooms.knows(request.room())) {
                return Placement.retry(Reasons.TABLE_NOT_READ);
            }
            return rooms.join(request, backend, clock.getAsLong(), lookup.room());
        });
    }

    /**
     * Each room on a server that keeps rooms now (in {@code backend}) is known again with its idle time; rooms seen
     * within the reservation window hold the seats of their players not there yet (see
     * {@link BackendRooms#adopt}).
     */
    @Override
    public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
        BackendRooms.Rebuild rebuild = rooms(backend.backend()).rebuild(backend, roomSize, clock.getAsLong());
        return new TableReadBack() {
            @Override
            public boolean test(StuckRoom room) {
                return rebuild.add(room);
            }

            @Override
            public int finish() {
                return rebuild.finish();
            }
        };
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
    public CompletionStage<Optional<RoomView>> room(String backend, String room) {
        BackendRooms rooms = backends.get(backend);
        return CompletableFuture.completedFuture(
                rooms == null ? Optional.empty() : rooms.view(room, clock.getAsLong()));
    }

    /**
     * Rooms in id order; the cursor is the last id of the page before. Each page copies the backend's room
     * references under its lock (one walk of the backend's rooms) and picks the page outside it.
     */
    @Override
    public CompletionStage<RoomPage> rooms(String backend, Optional<String> after, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("limit: " + limit + " (expected: 1 to " + MAX_PAGE + ")"));
        }
        BackendRooms rooms = backends.get(backend);
        if (rooms == null) {
            return CompletableFuture.completedFuture(new RoomPage(List.of(), Optional.empty()));
        }
        BackendRooms.Entries entries = rooms.entries(clock.getAsLong());
        String[] ids = entries.ids;
        // The limit smallest ids past the cursor: a bounded heap whose head is the largest kept.
        PriorityQueue<Integer> kept = new PriorityQueue<>(limit + 1, (a, b) -> ids[b].compareTo(ids[a]));
        int candidates = 0;
        for (int i = 0; i < ids.length; i++) {
            if (after.isPresent() && ids[i].compareTo(after.get()) <= 0) {
                continue;
            }
            candidates++;
            if (kept.size() < limit) {
                kept.add(i);
            } else if (ids[i].compareTo(ids[kept.peek()]) < 0) {
                kept.poll();
                kept.add(i);
            }
        }
        List<Integer> order = new ArrayList<>(kept);
        order.sort((a, b) -> ids[a].compareTo(ids[b]));
        List<String> pageIds = new ArrayList<>(order.size());
        List<Room> pageRooms = new ArrayList<>(order.size());
        for (int i : order) {
            pageIds.add(ids[i]);
            pageRooms.add(entries.rooms[i]);
        }
        Optional<String> next = candidates > limit ? Optional.of(pageIds.get(pageIds.size() - 1)) : Optional.empty();
        return CompletableFuture.completedFuture(new RoomPage(rooms.views(pageIds, pageRooms), next));
    }

    /** Counts rooms per server by walking a copy of the backend's room references, outside its lock. */
    @Override
    public CompletionStage<BackendView> backend(String backend, List<String> servers) {
        BackendRooms rooms = backends.get(backend);
        if (rooms == null) {
            return CompletableFuture.completedFuture(new BackendView(backend, 0, Map.of(), Optional.of(Map.of())));
        }
        BackendRooms.Entries entries = rooms.entries(clock.getAsLong());
        Map<String, Integer> perServer = new HashMap<>();
        for (Room room : entries.rooms) {
            perServer.merge(room.server, 1, Integer::sum);
        }
        return CompletableFuture.completedFuture(new BackendView(backend, entries.rooms.length,
                rooms.heldSeats(servers), Optional.of(perServer)));
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
