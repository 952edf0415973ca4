package io.roomrouter.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One room of a {@link RoomWorkload}, known in advance: when it starts (its match is made), the size its joins
 * declare, when it ends, and what each of its seats' players does. Times are milliseconds from the workload's start.
 */
record RoomPlan(String id, long startMillis, int size, long endMillis, List<Seat> seats) {

    RoomPlan {
        Objects.requireNonNull(id, "id");
        seats = List.copyOf(seats);
        if (seats.size() != size) {
            throw new IllegalArgumentException("seats: " + seats.size() + " (expected: the size " + size + ")");
        }
    }

    /**
     * One seat's player: {@code comes} false for a no-show; otherwise it joins at {@code joinMillis} and leaves at
     * {@code leaveMillis} (the room's end, or earlier when it leaves early), {@code joinMillis < leaveMillis}.
     */
    record Seat(String player, boolean comes, long joinMillis, long leaveMillis) {}

    /** The players who come. */
    long shows() {
        return seats.stream().filter(Seat::comes).count();
    }

    /** The most of this room's players connected at one time (a leave at the instant of a join counts first). */
    int peakPlayers() {
        List<long[]> changes = new ArrayList<>();
        for (Seat seat : seats) {
            if (seat.comes()) {
                changes.add(new long[] {seat.joinMillis(), 1});
                changes.add(new long[] {seat.leaveMillis(), -1});
            }
        }
        changes.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int peak = 0;
        for (long[] change : changes) {
            now += (int) change[1];
            peak = Math.max(peak, now);
        }
        return peak;
    }

    /** The seat-milliseconds this room's players are connected for. */
    long seatMillis() {
        long total = 0;
        for (Seat seat : seats) {
            if (seat.comes()) {
                total += seat.leaveMillis() - seat.joinMillis();
            }
        }
        return total;
    }
}
