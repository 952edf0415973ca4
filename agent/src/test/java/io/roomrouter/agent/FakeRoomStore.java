package io.roomrouter.agent;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.TableReadBack;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** A store whose joins answer as the test says: throw, fail the stage, stay pending, or place the room. */
final class FakeRoomStore implements RoomStore {
    private final Function<JoinRequest, CompletionStage<Placement>> joins;

    FakeRoomStore(Function<JoinRequest, CompletionStage<Placement>> joins) {
        this.joins = joins;
    }

    /** A stage already completed with {@link #placement(String)}. */
    static CompletionStage<Placement> placed(String server) {
        return CompletableFuture.completedFuture(placement(server));
    }

    /** The room placed on {@code server}, for the reason {@code least-loaded}, with no fallback. */
    static Placement placement(String server) {
        return Placement.routed(Decision.PLACED, server, "least-loaded", 1, 100);
    }

    @Override
    public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
        return joins.apply(request);
    }

    @Override
    public CompletionStage<Boolean> release(String backend, String room) {
        return CompletableFuture.completedFuture(false);
    }

    @Override
    public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
        throw new UnsupportedOperationException("only the agent's start-up reads the stick table back");
    }

    @Override
    public String kind() {
        return "fake";
    }

    @Override
    public void close() {}
}
