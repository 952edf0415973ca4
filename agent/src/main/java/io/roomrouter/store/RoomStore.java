package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Room placement state behind one asynchronous interface. Each call returns its own stage; a failure fails only
 * that call. Implementations never block the calling thread (it is a Netty event loop) and complete every stage
 * within their own time bound.
 */
public interface RoomStore extends AutoCloseable {

    /**
     * Decides where the player of {@code request} goes: the room's server when it keeps the room
     * ({@code sticky}); otherwise places the room whole ({@code placed}, or {@code moved} when its server left
     * or went down), or answers {@code full}. {@code backend} is the inventory's latest view of the servers.
     */
    CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend);

    /**
     * Gathers the rooms of {@code backend} that HAProxy's stick table lists, for an agent that starts, before it
     * answers joins: rooms born or moved while no agent decided are then where their players are. {@code roomSize}
     * is their size (the table does not know sizes). May block in {@link TableReadBack#finish()}: called at
     * start-up only, never on an event loop.
     */
    TableReadBack readBack(BackendSnapshot backend, int roomSize);

    /** Ends a room now and gives its seats back; completes with true when the room existed. */
    CompletionStage<Boolean> release(String backend, String room);

    /**
     * Why the store cannot be asked now (for readiness: {@code "connection lost 120 ms ago"}), or empty when it can.
     * Cheap and never blocks; the in-memory store is always reachable.
     */
    default Optional<String> unreachable() {
        return Optional.empty();
    }

    /** The most rooms one {@link #rooms} page holds. */
    int MAX_PAGE = 1000;

    /**
     * The room {@code room} of {@code backend} as the store holds it now, or empty when no such room lives. Never
     * blocks; the Redis store completes within its time bound.
     */
    default CompletionStage<Optional<RoomView>> room(String backend, String room) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(kind() + " store answers no queries"));
    }

    /**
     * A page of at most {@code limit} (1 to {@link #MAX_PAGE}) rooms of {@code backend}, from the cursor {@code after}
     * (the {@link RoomPage#next} of the page before; empty for the first page). Fails with
     * {@link IllegalArgumentException} for a cursor this store did not make.
     */
    default CompletionStage<RoomPage> rooms(String backend, Optional<String> after, int limit) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(kind() + " store answers no queries"));
    }

    /**
     * What the store counts for {@code backend}: rooms and seats held per server of {@code servers} (the inventory's
     * names). A backend the store has never seen has no rooms.
     */
    default CompletionStage<BackendView> backend(String backend, List<String> servers) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(kind() + " store answers no queries"));
    }

    /** A short name for logs: {@code memory} or {@code redis}. */
    String kind();

    @Override
    void close();
}
