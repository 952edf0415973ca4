package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopFrameEncoder;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import io.roomrouter.spop.VarScope;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomLifetimes;
import io.roomrouter.store.RoomStore;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoomJoinHandlerTest {
    // Long server names (HAProxy sets no limit): with all four variables, the ACK would not fit a 256-byte frame.
    private static final String A = "a".repeat(90);
    private static final String B = "b".repeat(90);
    private static final String C = "c".repeat(90);

    private final MemoryRoomStore store =
            new MemoryRoomStore(new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(10)));
    private final ServerInventory inventory = new OneBackend(new BackendSnapshot("be_game", List.of(
            new ServerStatus(A, ServerState.UP, 100, 0),
            new ServerStatus(B, ServerState.UP, 100, 0),
            new ServerStatus(C, ServerState.UP, 100, 0)), 0));
    private final DecisionLog decisions = new DecisionLog();
    private final RoomJoinHandler handler = new RoomJoinHandler(inventory, store, decisions, 10);

    @AfterEach
    void close() {
        decisions.close();
        store.close();
    }

    @Test
    void answersTheServerAndTheFallbackHaproxyUsesWhileTheServerIsDown() {
        Map<String, String> vars = HaproxySide.variables(join("r1"));

        assertThat(vars).containsOnlyKeys("server", "decision", "fallback", "reason");
        assertThat(vars.get("decision")).isEqualTo("placed");
        assertThat(vars.get("fallback")).isIn(A, B, C).isNotEqualTo(vars.get("server"));
    }

    @Test
    void theReasonGivesWayFirstInTheSmallestFrame() {
        Ack ack = join("r2").fittedTo(256, RoomJoinHandler.ACTIONS_KEPT);

        assertThat(SpopFrameEncoder.encodedSize(ack) - Integer.BYTES).isLessThanOrEqualTo(256);
        assertThat(HaproxySide.variables(ack)).containsOnlyKeys("server", "decision", "fallback");
        assertThat(HaproxySide.variables(join("r2").fittedTo(16380, RoomJoinHandler.ACTIONS_KEPT)))
                .containsKeys("server", "decision", "fallback", "reason");
    }

    @Test
    void aStoreThatThrowsAnswersThatJoinWithTheReasonOnly() {
        RoomJoinHandler throwing = handler(inventory, new FakeRoomStore(request -> {
            throw new IllegalStateException("connection pool exhausted");
        }));

        Ack ack = join(throwing, new Notify(5, 2, List.of(joinMessage("r3"))));

        assertThat(ack).isEqualTo(new Ack(5, 2, refused("store error")));
    }

    @Test
    void aFailedStageAnswersThatJoinWithTheReasonOnly() {
        RoomJoinHandler failing = handler(inventory, new FakeRoomStore(
                request -> CompletableFuture.failedFuture(new IllegalStateException("script error"))));

        assertThat(join(failing, new Notify(7, 1, List.of(joinMessage("r4")))))
                .isEqualTo(new Ack(7, 1, refused("store error")));
    }

    @Test
    void aPlacementTheDecisionLogCannotTakeAnswersInternalError() {
        // A store bug: a stage completed with no placement. Logging the decision is the first to trip on it.
        RoomJoinHandler broken = handler(inventory, new FakeRoomStore(
                request -> CompletableFuture.completedFuture(null)));

        assertThat(join(broken, new Notify(9, 1, List.of(joinMessage("r5")))))
                .isEqualTo(new Ack(9, 1, refused("internal error")));
    }

    @Test
    void anInventoryThatThrowsAnswersInternalError() {
        ServerInventory throwing = new ServerInventory() {
            @Override
            public Optional<BackendSnapshot> backend(String backend) {
                throw new IllegalStateException("inventory not loaded");
            }

            @Override
            public Collection<BackendSnapshot> backends() {
                return List.of();
            }

            @Override
            public String describe() {
                return "throwing";
            }

            @Override
            public void close() {}
        };

        assertThat(join(handler(throwing, store), new Notify(11, 1, List.of(joinMessage("r6")))))
                .isEqualTo(new Ack(11, 1, refused("internal error")));
    }

    private RoomJoinHandler handler(ServerInventory inventory, RoomStore store) {
        return new RoomJoinHandler(inventory, store, decisions, 10);
    }

    private Ack join(String room) {
        return join(handler, new Notify(1, 1, List.of(joinMessage(room))));
    }

    private static Ack join(RoomJoinHandler handler, Notify notify) {
        return handler.handle(notify).toCompletableFuture().join();
    }

    private static SpopMessage joinMessage(String room) {
        return new SpopMessage(JoinMessage.NAME, List.of(
                new SpopMessage.Arg("room", new TypedData.Str(room)),
                new SpopMessage.Arg("backend", new TypedData.Str("be_game"))));
    }

    /** A join refused for {@code reason}: HAProxy answers 503 and the client retries. */
    private static List<SpopAction> refused(String reason) {
        return List.of(new SpopAction.SetVar(VarScope.TXN, "decision", new TypedData.Str("retry")), reason(reason));
    }

    private static SpopAction reason(String reason) {
        return new SpopAction.SetVar(VarScope.TXN, "reason", new TypedData.Str(reason));
    }


    /** The runtime API inventory takes server names of any length; the static one refuses them. */
    private record OneBackend(BackendSnapshot snapshot) implements ServerInventory {
        @Override
        public Optional<BackendSnapshot> backend(String backend) {
            return Optional.of(snapshot).filter(s -> s.backend().equals(backend));
        }

        @Override
        public Collection<BackendSnapshot> backends() {
            return List.of(snapshot);
        }

        @Override
        public String describe() {
            return "one backend";
        }

        @Override
        public void close() {}
    }
}
