package io.roomrouter.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Replays a {@link RoomWorkload}'s rooms against one {@link SimulatedPlacement} in virtual time: no HAProxy, no
 * sockets. Every join, leave and room end is known in advance: they are played in the order of the
 * {@link CurveSchedule} the curve through HAProxy plays in real time (at one instant: the sample, then leaves, then
 * room ends, then joins). The simulation keeps what HAProxy would count, the players
 * connected per server, and refuses a player sent to a server already at its capacity. A room whose first player is
 * refused is refused whole: its match goes elsewhere and none of its players come.
 *
 * <p>Figures cover the rooms that start within the measured span (after {@code warmupMillis}, up to the last room's
 * start) and samples taken every {@value #SAMPLE_MILLIS} ms within it.
 */
final class PlacementSimulation {
    static final long SAMPLE_MILLIS = 10_000;
    /** The inventory reads HAProxy's counts this often: the agent's {@code --refresh-interval} default. */
    static final long REFRESH_MILLIS = 500;

    /** What one rule did with the workload's measured span. */
    record Outcome(String label, int rooms, int roomsRefused, long players, long playersRefused, int roomsSplit,
            double busiestOverMean, double heldShare, double strandedShare) {

        double roomsRefusedShare() {
            return rooms == 0 ? 0 : roomsRefused / (double) rooms;
        }

        double playersRefusedShare() {
            return players == 0 ? 0 : playersRefused / (double) players;
        }
    }

    private final int servers;
    private final int capacity;
    // The same time line the curve through HAProxy plays, built once for every rule run on these rooms, and the
    // rooms themselves.
    private final CurveSchedule schedule;

    PlacementSimulation(List<RoomPlan> rooms, int servers, int capacity, long warmupMillis) {
        this.servers = servers;
        this.capacity = capacity;
        this.schedule = new CurveSchedule(rooms, warmupMillis, SAMPLE_MILLIS);
    }

    /** The last room's end: no event comes later. */
    long horizonMillis() {
        return schedule.lastMillis();
    }

    Outcome run(SimulatedPlacement rule) {
        List<RoomPlan> rooms = schedule.rooms();
        int[] connections = new int[servers];
        // Per room: -2 not started, -1 refused, else started; per seat: its server, or -1.
        int[] state = new int[rooms.size()];
        Arrays.fill(state, -2);
        int[][] seatServer = new int[rooms.size()][];
        long[] serverSets = new long[rooms.size()]; // low 64 servers as bits, enough to see a split
        boolean[] split = new boolean[rooms.size()];
        CurveCounts counts = new CurveCounts(schedule);
        long nextTick = REFRESH_MILLIS;
        double heldSum = 0;
        double strandedSum = 0;
        int samples = 0;
        for (CurveSchedule.Event event : schedule.events()) {
            long at = event.atMillis();
            if (at >= nextTick) {
                long tick = at - at % REFRESH_MILLIS; // the counts have not changed since that read
                rule.refresh(tick, connections);
                nextTick = tick + REFRESH_MILLIS;
            }
            if (event.kind() == CurveSchedule.Kind.SAMPLE) {
                counts.sample(Arrays.stream(connections).max().orElseThrow(), Arrays.stream(connections).sum(),
                        servers);
                heldSum += rule.heldSeats(at);
                strandedSum += rule.strandedSeats(at);
                samples++;
                continue;
            }
            int r = event.room();
            RoomPlan room = rooms.get(r);
            if (event.kind() == CurveSchedule.Kind.LEAVE) {
                int server = seatServer[r] == null ? -1 : seatServer[r][event.seat()];
                if (server >= 0) {
                    connections[server]--;
                    seatServer[r][event.seat()] = -1;
                }
            } else if (event.kind() == CurveSchedule.Kind.END) {
                if (state[r] >= 0) {
                    rule.roomEnded(room, at);
                }
            } else if (state[r] != -1) {
                boolean first = state[r] == -2;
                int server = rule.join(room, room.seats().get(event.seat()), first, at, connections);
                boolean refused = server < 0 || connections[server] >= capacity;
                if (first) {
                    counts.roomOffered(r, refused);
                    if (refused) {
                        state[r] = -1;
                        continue;
                    }
                    state[r] = 0;
                    seatServer[r] = new int[room.size()];
                    Arrays.fill(seatServer[r], -1);
                }
                counts.player(r, refused);
                if (refused) {
                    continue;
                }
                connections[server]++;
                seatServer[r][event.seat()] = server;
                serverSets[r] |= 1L << (server & 63);
                split[r] |= Long.bitCount(serverSets[r]) > 1;
            }
        }
        int splitRooms = 0;
        for (int r = 0; r < rooms.size(); r++) {
            splitRooms += split[r] && schedule.measured(r) ? 1 : 0;
        }
        double totalCapacity = (double) servers * capacity;
        return counts.outcome(rule.label(), splitRooms, samples == 0 ? 0 : heldSum / samples / totalCapacity,
                samples == 0 ? 0 : strandedSum / samples / totalCapacity);
    }
}
