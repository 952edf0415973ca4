package io.roomrouter.haproxy;

import java.util.Objects;
import java.util.Optional;

/**
 * What a stick table lookup learnt of a room: the table's entry, the table's word that it has none, or nothing
 * (HAProxy did not answer within the bound, the lookup queue was full, the runtime API failed). The last two differ
 * for a room HAProxy said its table has: placing it anew when the table merely did not answer could split it.
 */
public record TableLookup(Optional<StuckRoom> room, boolean answered) {
    /** The table does not have the room. */
    public static final TableLookup ABSENT = new TableLookup(Optional.empty(), true);
    /** Nothing is known: the table was not read. */
    public static final TableLookup NO_ANSWER = new TableLookup(Optional.empty(), false);

    public TableLookup {
        Objects.requireNonNull(room, "room");
        if (room.isPresent() && !answered) {
            throw new IllegalArgumentException("a room found without an answer (expected: answered)");
        }
    }

    /** The table has the room: {@code room}. */
    public static TableLookup found(StuckRoom room) {
        return new TableLookup(Optional.of(room), true);
    }
}
