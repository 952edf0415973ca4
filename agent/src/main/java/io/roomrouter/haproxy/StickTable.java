package io.roomrouter.haproxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * HAProxy's memory of where rooms live: the backend's stick table ({@code stick on urlp(room)}), which stores the
 * server each room's players were sent to, whoever chose it (the agent, or HAProxy's hashing while the agent was
 * away). The agent asks it about a room it does not know before placing the room, so that a room that began while
 * the agent was down or paused stays where its players are.
 */
public interface StickTable {

    /** No table: every room is unknown to it. */
    StickTable NONE = new StickTable() {
        @Override
        public CompletionStage<TableLookup> find(String backend, String room) {
            return CompletableFuture.completedFuture(TableLookup.ABSENT);
        }

        @Override
        public void forget(String backend, String room) {}
    };

    /**
     * Where {@code backend}'s table has {@code room}. Never fails and never blocks the calling thread (a Netty event
     * loop): completes {@link TableLookup#ABSENT} when the table does not have the room or has no server for it, and
     * {@link TableLookup#NO_ANSWER} when it was not read within the implementation's bound. May complete on another
     * thread.
     */
    CompletionStage<TableLookup> find(String backend, String room);

    /**
     * Removes {@code room} from {@code backend}'s table, best effort and in the background: a room that ended must
     * not be sent back to its old server by the table when a new room of the same id begins.
     */
    void forget(String backend, String room);
}
