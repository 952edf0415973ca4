package io.roomrouter.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Replays a {@link RoomWorkload}'s rooms against one {@link SimulatedPlacement} in virtual time: no HAProxy, no
 * sockets. Every join, leave and room end is known in advance, so they are sorted once and played in time order
 * (at one instant: leaves, then room ends, then joins). The simulation keeps what HAProxy would count, the players
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
    private static final int LEAVE = 0;
    private static final int END = 1;
    private static final int JOIN = 2;
    private static final int SEAT_BITS = 10;
    private static final int ROOM_BITS = 20;

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

    private final List<RoomPlan> rooms;
    private final int servers;
    private final int capacity;
    private final long warmupMillis;

    PlacementSimulation(List<RoomPlan> rooms, int servers, int capacity, long warmupMillis) {
        if (rooms.size() >= 1 << ROOM_BITS) {
            throw new IllegalArgumentException("rooms: " + rooms.size() + " (expected: < " + (1 << ROOM_BITS) + ")");
        }
        this.rooms = List.copyOf(rooms);
        this.servers = servers;
        this.capacity = capacity;
        this.warmupMillis = warmupMillis;
    }

    /** The last room's end: no event comes later. */
    long horizonMillis() {
        return rooms.stream().mapToLong(RoomPlan::endMillis).max().orElse(0);
    }

    Outcome run(SimulatedPlacement rule) {
        long measureEnd = rooms.get(rooms.size() - 1).startMillis();
        int[] connections = new int[servers];
        // Per room: -2 not started, -1 refused, else started; per seat: its server, or -1.
        int[] state = new int[rooms.size()];
        Arrays.fill(state, -2);
        int[][] seatServer = new int[rooms.size()][];
        long[] serverSets = new long[rooms.size()]; // low 64 servers as bits, enough to see a split
        boolean[] split = new boolean[rooms.size()];
        int measuredRooms = 0;
        int refusedRooms = 0;
        long players = 0;
        long refusedPlayers = 0;
        long nextTick = REFRESH_MILLIS;
        long nextSample = warmupMillis;
        double ratioSum = 0;
        int ratioSamples = 0;
        double heldSum = 0;
        double strandedSum = 0;
        int samples = 0;
        for (long event : events()) {
            long at = event >>> 32;
            int type = (int) (event >>> 30) & 3;
            int r = (int) (event >>> SEAT_BITS) & ((1 << ROOM_BITS) - 1);
            int s = (int) event & ((1 << SEAT_BITS) - 1);
            if (at >= nextTick) {
                long tick = at - at % REFRESH_MILLIS; // the counts have not changed since that read
                rule.refresh(tick, connections);
                nextTick = tick + REFRESH_MILLIS;
            }
            for (; nextSample <= Math.min(at, measureEnd); nextSample += SAMPLE_MILLIS) {
                long total = Arrays.stream(connections).sum();
                if (total > 0) {
                    ratioSum += Arrays.stream(connections).max().orElseThrow() / (total / (double) servers);
                    ratioSamples++;
                }
                heldSum += rule.heldSeats(nextSample);
                strandedSum += rule.strandedSeats(nextSample);
                samples++;
            }
            RoomPlan room = rooms.get(r);
            boolean measured = room.startMillis() >= warmupMillis && room.startMillis() <= measureEnd;
            if (type == LEAVE) {
                int server = seatServer[r] == null ? -1 : seatServer[r][s];
                if (server >= 0) {
                    connections[server]--;
                    seatServer[r][s] = -1;
                }
            } else if (type == END) {
                if (state[r] >= 0) {
                    rule.roomEnded(room, at);
                }
            } else if (state[r] != -1) {
                boolean first = state[r] == -2;
                int server = rule.join(room, room.seats().get(s), first, at, connections);
                boolean refused = server < 0 || connections[server] >= capacity;
                if (first) {
                    measuredRooms += measured ? 1 : 0;
                    if (refused) {
                        state[r] = -1;
                        refusedRooms += measured ? 1 : 0;
                        continue;
                    }
                    state[r] = 0;
                    seatServer[r] = new int[room.size()];
                    Arrays.fill(seatServer[r], -1);
                }
                players += measured ? 1 : 0;
                if (refused) {
                    refusedPlayers += measured ? 1 : 0;
                    continue;
                }
                connections[server]++;
                seatServer[r][s] = server;
                serverSets[r] |= 1L << (server & 63);
                split[r] |= Long.bitCount(serverSets[r]) > 1;
            }
        }
        int splitRooms = 0;
        for (int r = 0; r < rooms.size(); r++) {
            long start = rooms.get(r).startMillis();
            splitRooms += split[r] && start >= warmupMillis && start <= measureEnd ? 1 : 0;
        }
        double totalCapacity = (double) servers * capacity;
        return new Outcome(rule.label(), measuredRooms, refusedRooms, players, refusedPlayers, splitRooms,
                ratioSamples == 0 ? Double.NaN : ratioSum / ratioSamples,
                samples == 0 ? 0 : heldSum / samples / totalCapacity,
                samples == 0 ? 0 : strandedSum / samples / totalCapacity);
    }

    // Each event in one long, so that sorting them sorts by time, then kind: time (ms, 31 bits: 24 days),
    // kind (2 bits), room (20 bits), seat (10 bits).
    private long[] events() {
        long[] events = new long[rooms.stream().mapToInt(r -> 2 * r.size() + 1).sum()];
        int n = 0;
        for (int r = 0; r < rooms.size(); r++) {
            RoomPlan room = rooms.get(r);
            if (room.size() >= 1 << SEAT_BITS || room.endMillis() >= 1L << 31) {
                throw new IllegalArgumentException("room " + room.id() + ": too large or too late to encode");
            }
            events[n++] = encode(room.endMillis(), END, r, 0);
            for (int s = 0; s < room.size(); s++) {
                RoomPlan.Seat seat = room.seats().get(s);
                if (seat.comes()) {
                    events[n++] = encode(seat.joinMillis(), JOIN, r, s);
                    events[n++] = encode(seat.leaveMillis(), LEAVE, r, s);
                }
            }
        }
        long[] used = Arrays.copyOf(events, n);
        Arrays.sort(used);
        return used;
    }

    private static long encode(long at, int type, int room, int seat) {
        return at << 32 | (long) type << 30 | (long) room << SEAT_BITS | seat;
    }
}
