package io.roomrouter.bench;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomLifetimes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part 3, scale: heap per room of the in-memory store, and its decision time as rooms grow. Measured in this JVM
 * on {@link MemoryRoomStore} directly (same JDK and default flags as the agent): heap after three full GCs with
 * the rooms held, minus before, over the room count. Room ids are {@code room-<n>} strings, which the store keeps,
 * so they are counted. Two states: during the reservation window (each room also keeps its players' id hashes)
 * and after it, which is where a long-lived room spends its life.
 */
final class ScaleBench {
    private static final String BACKEND = "be_game";
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final int TIMED_JOINS = 300_000;

    private final BenchSettings settings;
    private final Results results;

    ScaleBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    void run() {
        double smallest = decisionNanos(1_000);
        results.add(new Figure("scale.memory.decision_ns.rooms_1000", smallest, "ns", "flat",
                "in-process MemoryRoomStore.join, sticky joins to random rooms, mean of " + TIMED_JOINS));
        for (int rooms : settings.heapRooms()) {
            heapPerRoom(rooms);
        }
    }

    private void heapPerRoom(int count) {
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        MemoryRoomStore store = new MemoryRoomStore(new RoomLifetimes(WINDOW, Duration.ofHours(24)), clock::get);
        long before = liveHeap();
        fill(store, clock, count);
        long during = liveHeap();
        clock.addAndGet(WINDOW.toMillis() + 1_000);
        store.expireIdleRooms();
        long after = liveHeap();
        if (store.roomCount(BACKEND) != count) {
            throw new IllegalStateException("rooms: " + store.roomCount(BACKEND) + " (expected: " + count + ")");
        }
        String how = "MemoryMXBean heap used after 3x System.gc(), delta / rooms, room ids 'room-N'";
        results.add(new Figure("scale.memory.heap_per_room.reserving.rooms_" + count,
                (during - before) / (double) count, "B", "", how + ", inside the reservation window"));
        results.add(new Figure("scale.memory.heap_per_room.rooms_" + count,
                (after - before) / (double) count, "B", "<= 200 B", how + ", after the reservation window"));
        results.add(new Figure("scale.memory.decision_ns.rooms_" + count, timeJoins(store, snapshot(clock.get()),
                count), "ns", "flat", "in-process MemoryRoomStore.join, sticky joins to random rooms"));
        store.close();
    }

    private double decisionNanos(int count) {
        AtomicLong clock = new AtomicLong(1_000_000_000_000L);
        MemoryRoomStore store = new MemoryRoomStore(new RoomLifetimes(WINDOW, Duration.ofHours(24)), clock::get);
        fill(store, clock, count);
        clock.addAndGet(WINDOW.toMillis() + 1_000);
        double nanos = timeJoins(store, snapshot(clock.get()), count);
        store.close();
        return nanos;
    }

    private static void fill(MemoryRoomStore store, AtomicLong clock, int count) {
        BackendSnapshot snapshot = snapshot(clock.get());
        Optional<String> player = Optional.of("p1");
        for (int i = 0; i < count; i++) {
            store.join(new JoinRequest("room-" + i, BACKEND, 2, player), snapshot);
        }
    }

    /** Mean time of a sticky join, after a warm-up of the same size. */
    private static double timeJoins(MemoryRoomStore store, BackendSnapshot snapshot, int rooms) {
        SplittableRandom random = new SplittableRandom(7);
        List<JoinRequest> requests = new ArrayList<>(TIMED_JOINS);
        for (int i = 0; i < TIMED_JOINS; i++) {
            requests.add(new JoinRequest("room-" + random.nextInt(rooms), BACKEND, 2, Optional.of("p2")));
        }
        for (JoinRequest request : requests) {
            store.join(request, snapshot);
        }
        long start = System.nanoTime();
        for (JoinRequest request : requests) {
            store.join(request, snapshot);
        }
        return (System.nanoTime() - start) / (double) TIMED_JOINS;
    }

    private static BackendSnapshot snapshot(long now) {
        List<ServerStatus> servers = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            servers.add(new ServerStatus("game" + i, ServerState.UP, Integer.MAX_VALUE / 16, 0));
        }
        return new BackendSnapshot(BACKEND, servers, now);
    }

    private static long liveHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
