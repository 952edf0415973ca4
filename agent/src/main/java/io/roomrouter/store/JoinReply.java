package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerStatus;
import java.util.List;
import java.util.Optional;

/**
 * The placement script's answer to a join: {@code {decision, server, reason, load, capacity, epoch, counted,
 * fallback}}, all strings; {@code server} and {@code epoch} are empty when nothing was placed, {@code fallback} when
 * no other server is UP. The fallback is the one the script keeps with the room and moves it to if its server fails.
 */
record JoinReply(Decision decision, String server, String reason, int load, int capacity, String epoch,
        boolean arrivalCounted, String fallback) {

    private static final String REPLY = "join reply";

    /**
     * Redis does not have the room and was told to say so rather than place it ({@link RedisLayout#ASK_IF_UNKNOWN}):
     * the script's {@value RedisLayout#UNKNOWN_ROOM}, read as {@link Decision#RETRY}, which the script never answers.
     */
    static final JoinReply UNKNOWN_ROOM =
            new JoinReply(Decision.RETRY, "", RedisLayout.UNKNOWN_ROOM, 0, 0, "", false, "");

    static JoinReply of(List<Object> values) {
        ScriptValues.count(values, RedisJoinBatcher.VALUES_PER_ENTRY, REPLY);
        if (RedisLayout.UNKNOWN_ROOM.equals(values.get(0))) {
            return UNKNOWN_ROOM;
        }
        return new JoinReply(
                ScriptValues.word(values, 0, REPLY, Decision.class),
                ScriptValues.text(values, 1, REPLY),
                ScriptValues.text(values, 2, REPLY),
                ScriptValues.number(values, 3, REPLY),
                ScriptValues.number(values, 4, REPLY),
                ScriptValues.text(values, 5, REPLY),
                ScriptValues.flag(values, 6, REPLY),
                ScriptValues.text(values, 7, REPLY));
    }

    /** Whether Redis said it does not have the room ({@link #UNKNOWN_ROOM}). */
    boolean unknownRoom() {
        return decision == Decision.RETRY;
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
}
