package io.roomrouter.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The bound of the curve: a packer that knows, when a room's first player arrives, every player's true join and
 * leave time. It takes the room on the first server (first fit, in server order) where the room's true occupancy,
 * second by second over its whole life, fits with the occupancy it already committed there; it refuses the room
 * only when no server has that room. Its players then all go there, so it splits nothing, holds no seat and never
 * refuses a player. First fit over time is not the offline optimum (packing the rooms in another order could take
 * a few more), but no online rule, which knows less, takes more rooms in practice: it is the bound the curve uses.
 * A player is counted in every second its stay touches, so the committed occupancy is never below the true one.
 *
 * <p>{@code leastLoaded} makes it choose, among the servers where the room fits, the one with the fewest players
 * committed now, as room-router's rule does: with the same perfect knowledge, that shows what balancing costs.
 */
final class IdealPacker implements SimulatedPlacement {
    private final int capacity;
    private final boolean leastLoaded;
    private final int[][] occupancy;
    private final Map<String, Integer> placed = new HashMap<>();

    /** {@code horizonMillis}: no room of the workload ends later. */
    IdealPacker(int servers, int capacity, long horizonMillis) {
        this(servers, capacity, horizonMillis, false);
    }

    IdealPacker(int servers, int capacity, long horizonMillis, boolean leastLoaded) {
        this.capacity = capacity;
        this.leastLoaded = leastLoaded;
        this.occupancy = new int[servers][(int) (horizonMillis / 1000) + 2];
    }

    @Override
    public String label() {
        return leastLoaded ? "ideal packer, least loaded instead of first fit"
                : "ideal packer (first fit, true sizes and lifetimes)";
    }

    @Override
    public int join(RoomPlan room, RoomPlan.Seat seat, boolean first, long now, int[] connections) {
        if (!first) {
            return placed.getOrDefault(room.id(), -1);
        }
        int from = (int) (now / 1000);
        int[] profile = new int[(int) (room.endMillis() / 1000) - from + 1];
        for (RoomPlan.Seat s : room.seats()) {
            if (s.comes()) {
                for (long second = s.joinMillis() / 1000; second <= (s.leaveMillis() - 1) / 1000; second++) {
                    profile[(int) second - from]++;
                }
            }
        }
        int chosen = -1;
        for (int server = 0; server < occupancy.length; server++) {
            if ((chosen < 0 || occupancy[server][from] < occupancy[chosen][from])
                    && fits(occupancy[server], from, profile)) {
                chosen = server;
                if (!leastLoaded) {
                    break;
                }
            }
        }
        if (chosen >= 0) {
            for (int i = 0; i < profile.length; i++) {
                occupancy[chosen][from + i] += profile[i];
            }
            placed.put(room.id(), chosen);
        }
        return chosen;
    }

    @Override
    public void roomEnded(RoomPlan room, long now) {
        placed.remove(room.id());
    }

    private boolean fits(int[] committed, int from, int[] profile) {
        for (int i = 0; i < profile.length; i++) {
            if (committed[from + i] + profile[i] > capacity) {
                return false;
            }
        }
        return true;
    }
}
