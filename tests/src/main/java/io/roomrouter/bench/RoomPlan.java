package io.roomrouter.bench;

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
