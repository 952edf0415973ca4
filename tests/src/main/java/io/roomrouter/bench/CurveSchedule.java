package io.roomrouter.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The time line {@link PlacementCurveThroughHaproxy} plays: every join, leave and room end of a
 * {@link RoomWorkload}'s rooms, and the instants the players on each server are counted, in time order. At one
 * instant: the count first (it sees what was there before), then leaves, then room ends, then joins, as
 * {@link PlacementSimulation} orders them; joins of one room in seat order.
 *
 * <p>Samples are taken every {@code sampleEveryMillis} from {@code warmupMillis} to the last room's start, the span
 * whose rooms are measured ({@link #measured}), as the simulation does.
 */
final class CurveSchedule {

    /** What happens at an event. */
    enum Kind {
        SAMPLE, LEAVE, END, JOIN
    }

    /** One event: {@code room} and {@code seat} index the rooms and their seats (-1 for a sample). */
    record Event(long atMillis, Kind kind, int room, int seat) {}

    private final List<RoomPlan> rooms;
    private final long warmupMillis;
    private final long measureEndMillis;
    private final List<Event> events;

    CurveSchedule(List<RoomPlan> rooms, long warmupMillis, long sampleEveryMillis) {
        if (rooms.isEmpty() || sampleEveryMillis <= 0) {
            throw new IllegalArgumentException("rooms: " + rooms.size() + ", sample every " + sampleEveryMillis
                    + " ms (expected: at least one room, a positive period)");
        }
        this.rooms = List.copyOf(rooms);
        this.warmupMillis = warmupMillis;
        this.measureEndMillis = rooms.get(rooms.size() - 1).startMillis();
        List<Event> all = new ArrayList<>();
        for (long at = warmupMillis; at <= measureEndMillis; at += sampleEveryMillis) {
            all.add(new Event(at, Kind.SAMPLE, -1, -1));
        }
        for (int r = 0; r < rooms.size(); r++) {
            RoomPlan room = rooms.get(r);
            all.add(new Event(room.endMillis(), Kind.END, r, -1));
            for (int s = 0; s < room.size(); s++) {
                RoomPlan.Seat seat = room.seats().get(s);
                if (seat.comes()) {
                    all.add(new Event(seat.joinMillis(), Kind.JOIN, r, s));
                    all.add(new Event(seat.leaveMillis(), Kind.LEAVE, r, s));
                }
            }
        }
        all.sort(Comparator.comparingLong(Event::atMillis).thenComparing(Event::kind)
                .thenComparingInt(Event::room).thenComparingInt(Event::seat));
        this.events = List.copyOf(all);
    }

    List<RoomPlan> rooms() {
        return rooms;
    }

    List<Event> events() {
        return events;
    }

    /** Whether room {@code r} starts within the measured span: after the warm-up, up to the last room's start. */
    boolean measured(int r) {
        long start = rooms.get(r).startMillis();
        return start >= warmupMillis && start <= measureEndMillis;
    }

    /** The last event's time: the last room's end. */
    long lastMillis() {
        return events.get(events.size() - 1).atMillis();
    }
}
