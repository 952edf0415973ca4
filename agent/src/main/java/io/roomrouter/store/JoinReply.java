package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerStatus;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The placement script's answer to a join: {@code {decision, server, reason, load, capacity, epoch, counted,
 * fallback}}, all strings; {@code server} and {@code epoch} are empty when nothing was placed, {@code fallback} when
 * no other server is UP. The fallback is the one the script keeps with the room and moves it to if its server fails.
 */
record JoinReply(Decision decision, String server, String reason, int load, int capacity, String epoch,
        boolean arrivalCounted, String fallback) {

    static JoinReply of(List<Object> values) {
        if (values.size() != 8) {
            throw new IllegalStateException("join reply: " + values + " (expected: 8 values)");
        }
        return new JoinReply(
                Decision.valueOf(text(values, 0).toUpperCase(Locale.ROOT)),
                text(values, 1),
                text(values, 2),
                Integer.parseInt(text(values, 3)),
                Integer.parseInt(text(values, 4)),
                text(values, 5),
                "1".equals(text(values, 6)),
                text(values, 7));
    }

    /**
     * The same reply with the snapshot's own instances of the server names: the agent keeps the reply's names for
     * as long as it knows the room, and two strings of their own per room were a quarter of its heap with a million
     * rooms known.
     */
    JoinReply namedAs(BackendSnapshot backend) {
        return new JoinReply(decision, canonical(server, backend), reason, load, capacity, epoch, arrivalCounted,
                canonical(fallback, backend));
    }

    /** The same reply for another reason. */
    JoinReply withReason(String other) {
        return new JoinReply(decision, server, other, load, capacity, epoch, arrivalCounted, fallback);
    }

    private static String canonical(String name, BackendSnapshot backend) {
        for (ServerStatus status : backend.servers()) {
            if (status.name().equals(name)) {
                return status.name();
            }
        }
        return name;
    }

    Placement placement() {
        if (decision == Decision.REJECTED) {
            return Placement.rejected(reason);
        }
        return decision == Decision.FULL
                ? Placement.full(reason)
                : Placement.routed(decision, server, fallback.isEmpty() ? Optional.empty() : Optional.of(fallback),
                        reason, load, capacity);
    }

    private static String text(List<Object> values, int index) {
        if (values.get(index) instanceof String text) {
            return text;
        }
        throw new IllegalStateException(
                "join reply value " + index + ": " + values.get(index) + " (expected: a string)");
    }
}
