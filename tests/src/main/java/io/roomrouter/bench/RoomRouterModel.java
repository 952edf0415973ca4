package io.roomrouter.bench;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomLifetimes;
import io.roomrouter.store.RoomPage;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.RoomView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * room-router's own placement, run as it ships: the real {@link MemoryRoomStore} (and through it
 * {@code BackendRooms} and {@code PlacementPolicy}) on a virtual clock, fed {@link BackendSnapshot}s whose live
 * connections are the simulated players, one per refresh interval, as the inventory reads them from HAProxy. Seats
 * held for a new room, their return as arrivals are confirmed, when the room has seen most of its players (the
 * straggler hold) and at the end of the reservation window, are the store's own. A room's end is released to the
 * store, as a game platform does ({@code POST /release}). Joins say the room's size unless {@code declaredSize}
 * overrides it (joins that say none get the agent's {@code --room-size});
 * {@link #TRUE_SIZE} makes them say the players who will come, as a matchmaker that knew its no-shows would.
 */
final class RoomRouterModel implements SimulatedPlacement {
    /**
     * The shipped defaults: {@code --reservation-window 60s}, {@code --straggler-hold 10s},
     * {@code --room-idle-timeout 30m}.
     */
    static final Duration SHIPPED_WINDOW = Duration.ofSeconds(60);
    static final Duration SHIPPED_STRAGGLER_HOLD = RoomLifetimes.DEFAULT_STRAGGLER_HOLD;
    static final Duration SHIPPED_IDLE_TIMEOUT = Duration.ofMinutes(30);
    // The store counts time in whole seconds since 2025: virtual time 0 is 2026-01-01T00:00Z.
    private static final long EPOCH_MILLIS = 1_767_225_600_000L;
    private static final String BACKEND = "be_game";
    /** A {@code declaredSize}: joins say how many of the room's players will come (at least 1). */
    static final int TRUE_SIZE = -1;
    /**
     * A {@code declaredSize}: joins say the most of the room's players that will be connected at once (at least 1),
     * which only a packer that knows every departure in advance could say.
     */
    static final int PEAK_SIZE = -2;

    private final String label;
    private final List<String> servers;
    private final int capacity;
    private final long windowMillis;
    private final long holdMillis;
    private final int declaredSize;
    private final MemoryRoomStore store;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, RoomPlan> live = new HashMap<>();
    // Per live room: {end of its window, early end (Long.MAX_VALUE until most of its players came), arrivals
    // counted}, as the store counts them, so that the stranded seats know when the store stops holding them.
    private final Map<String, long[]> holds = new HashMap<>();
    private long now = EPOCH_MILLIS;
    private BackendSnapshot snapshot;

    /**
     * {@code declaredSize}: the size every join says, 0 for each room's own, or {@link #TRUE_SIZE}; {@code hold}:
     * the straggler hold (one longer than the window never shortens it: the store as it was before the hold).
     */
    RoomRouterModel(String label, List<String> servers, int capacity, Duration window, Duration hold,
            int declaredSize) {
        this.label = label;
        this.servers = List.copyOf(servers);
        this.capacity = capacity;
        this.windowMillis = window.toMillis();
        this.holdMillis = hold.toMillis();
        this.declaredSize = declaredSize;
        this.store = new MemoryRoomStore(new RoomLifetimes(window, hold, SHIPPED_IDLE_TIMEOUT), () -> now);
        for (int i = 0; i < servers.size(); i++) {
            index.put(servers.get(i), i);
        }
        refresh(0, new int[servers.size()]);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public void refresh(long tickMillis, int[] connections) {
        List<ServerStatus> statuses = new ArrayList<>(servers.size());
        for (int i = 0; i < servers.size(); i++) {
            statuses.add(new ServerStatus(servers.get(i), ServerState.UP, capacity, connections[i]));
        }
        snapshot = new BackendSnapshot(BACKEND, statuses, EPOCH_MILLIS + tickMillis);
    }

    @Override
    public int join(RoomPlan room, RoomPlan.Seat seat, boolean first, long at, int[] connections) {
        now = EPOCH_MILLIS + at;
        int size = declaredSize > 0 ? declaredSize
                : declaredSize == TRUE_SIZE ? (int) Math.max(1, room.shows())
                : declaredSize == PEAK_SIZE ? Math.max(1, room.peakPlayers()) : room.size();
        Placement placement = store.join(new JoinRequest(room.id(), BACKEND, size, Optional.of(seat.player())),
                snapshot).toCompletableFuture().join();
        if (placement.server().isEmpty()) {
            return -1;
        }
        live.put(room.id(), room);
        countArrival(room.id(), size, at);
        return index.get(placement.server().get());
    }

    // The store's count of arrivals against the reservation (every simulated player joins once): a join before the
    // window's end, or the early end, counts; the one that makes most of the room's players sets the early end.
    private void countArrival(String roomId, int size, long at) {
        long[] hold = holds.computeIfAbsent(roomId,
                id -> new long[] {Math.floorDiv(at + 999, 1000) * 1000 + windowMillis, Long.MAX_VALUE, 0});
        if (at >= Math.min(hold[0], hold[1]) || hold[2] >= size) {
            return;
        }
        hold[2]++;
        if (RoomLifetimes.mostArrived((int) hold[2], size) && !RoomLifetimes.mostArrived((int) hold[2] - 1, size)) {
            hold[1] = at + holdMillis;
        }
    }

    @Override
    public void roomEnded(RoomPlan room, long at) {
        now = EPOCH_MILLIS + at;
        store.release(BACKEND, room.id()).toCompletableFuture().join();
        live.remove(room.id());
        holds.remove(room.id());
    }

    @Override
    public int heldSeats(long at) {
        now = EPOCH_MILLIS + at;
        store.expireIdleRooms();
        int held = 0;
        for (String server : servers) {
            held += store.heldSeats(BACKEND, server);
        }
        return held;
    }

    /**
     * Per room still holding seats: its size, less the players it has seen, less those who will join before its
     * window, or its straggler hold, ends (the store holds their seats for them); at most what it holds.
     */
    @Override
    public int strandedSeats(long at) {
        now = EPOCH_MILLIS + at;
        int stranded = 0;
        Optional<String> after = Optional.empty();
        do {
            RoomPage page = store.rooms(BACKEND, after, RoomStore.MAX_PAGE)
                    .toCompletableFuture().join();
            for (RoomView view : page.rooms()) {
                if (view.seatsHeld() > 0) {
                    stranded += strandedIn(view, live.get(view.room()), at);
                }
            }
            after = page.next();
        } while (after.isPresent());
        return stranded;
    }

    private int strandedIn(RoomView view, RoomPlan room, long at) {
        long[] hold = holds.get(view.room());
        long windowEnd = Math.min(view.placedAtMillis().orElseThrow() - EPOCH_MILLIS + windowMillis, hold[1]);
        int coming = 0;
        for (RoomPlan.Seat seat : room.seats()) {
            if (seat.comes() && seat.joinMillis() > at && seat.joinMillis() < windowEnd) {
                coming++;
            }
        }
        return Math.min(view.seatsHeld(), Math.max(0, view.size() - view.playersSeen() - coming));
    }
}
