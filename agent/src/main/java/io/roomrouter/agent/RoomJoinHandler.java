package io.roomrouter.agent;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import io.roomrouter.spop.VarScope;
import io.roomrouter.store.RoomStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a NOTIFY into its ACK: reads the {@code room-join} message, asks the store for a decision against the
 * inventory's latest view of the backend, logs the decision, and answers with the variables HAProxy routes by,
 * all in scope txn: {@code server}, {@code decision}, {@code reason}, and {@code fallback}, the server HAProxy
 * uses for the room if it finds {@code server} down before the agent has seen it fail (see
 * {@link PlacementPolicy#fallback}). A NOTIFY without a {@code room-join} gets an ACK with one harmless action:
 * some HAProxy 3.1 releases stall on an empty ACK.
 *
 * <p>Every NOTIFY gets its ACK, whatever fails on the way: when the store fails (throwing or failing its stage),
 * or anything else throws (reading the join, the inventory, logging the decision, building the ACK), the ACK
 * refuses that one join ({@code decision=retry}, {@code reason} {@value #STORE_ERROR} or {@value #INTERNAL_ERROR}:
 * HAProxy answers 503 and the client retries; hashing it could split its room), and the connection's other joins
 * go on. Each such failure is logged at ERROR, at most one
 * line of a kind every 10 seconds with the count of those held back: a broken store fails every join.
 */
final class RoomJoinHandler {
    private static final Logger log = LoggerFactory.getLogger(RoomJoinHandler.class);
    /** Reasons are free text: bounded, so that an ACK stays small whatever went wrong. */
    static final int MAX_VALUE_LENGTH = 120;
    /**
     * The actions of an ACK that stay whatever the frame size: the server and the decision (or, without a server,
     * the decision and what follows it). HAProxy's smallest frame (256 bytes) holds them: ids are at most
     * {@value #MAX_VALUE_LENGTH} characters.
     */
    static final int ACTIONS_KEPT = 2;
    static final String STORE_ERROR = "store error";
    static final String INTERNAL_ERROR = "internal error";
    // Shared by every ACK that carries them (ACKs are immutable): no allocation per join on these paths.
    private static final List<SpopAction> NO_JOIN = List.of(new SpopAction.UnsetVar(VarScope.TXN, "reason"));
    private static final List<SpopAction> UNKNOWN_BACKEND = List.of(setVar("reason", "unknown backend"));
    // A failed join is refused (decision retry: HAProxy answers 503 and the client retries), not left to HAProxy's
    // hashing, which may send the player to another server than its room's.
    private static final List<SpopAction> STORE_FAILED = List.of(
            setVar("decision", Decision.RETRY.wireName()), setVar("reason", STORE_ERROR));
    private static final List<SpopAction> INTERNAL_FAILURE = List.of(
            setVar("decision", Decision.RETRY.wireName()), setVar("reason", INTERNAL_ERROR));

    private final ServerInventory inventory;
    private final RoomStore store;
    private final DecisionLog decisions;
    private final DecisionMetrics metrics;
    private final int defaultRoomSize;
    private final int maxRoomSize;
    private final LogThrottle unknownBackendWarnings = new LogThrottle();
    private final LogThrottle storeErrors = new LogThrottle();
    private final LogThrottle internalErrors = new LogThrottle();

    RoomJoinHandler(ServerInventory inventory, RoomStore store, DecisionLog decisions, int defaultRoomSize) {
        this(inventory, store, decisions, defaultRoomSize, defaultRoomSize);
    }

    /** {@code maxRoomSize}: the largest {@code size} a join may ask for; larger ones are rejected. */
    RoomJoinHandler(ServerInventory inventory, RoomStore store, DecisionLog decisions, int defaultRoomSize,
            int maxRoomSize) {
        this(inventory, store, decisions, DecisionMetrics.NONE, defaultRoomSize, maxRoomSize);
    }

    /** As above, counting every decision, and every join that got none, in {@code metrics}. */
    RoomJoinHandler(ServerInventory inventory, RoomStore store, DecisionLog decisions, DecisionMetrics metrics,
            int defaultRoomSize, int maxRoomSize) {
        this.inventory = inventory;
        this.store = store;
        this.decisions = decisions;
        this.metrics = metrics;
        this.defaultRoomSize = defaultRoomSize;
        this.maxRoomSize = maxRoomSize;
    }

    /**
     * The ACK for {@code notify}, its actions in order of importance: the session fits it to the connection's
     * negotiated frame size keeping the first {@link #ACTIONS_KEPT} ({@link Ack#fittedTo}). Never throws a
     * {@link RuntimeException}, and the stage completes with an ACK unless an {@link Error} is thrown.
     */
    CompletionStage<Ack> handle(Notify notify) {
        long startNanos = System.nanoTime();
        JoinRequest request = null; // for the error line: which room, once the join has been read
        try {
            SpopMessage join = null;
            for (SpopMessage message : notify.messages()) {
                if (message.name().equals(JoinMessage.NAME)) {
                    join = message;
                    break;
                }
            }
            if (join == null) {
                return CompletableFuture.completedFuture(ack(notify, NO_JOIN));
            }
            JoinMessage parsed = JoinMessage.parse(join, defaultRoomSize, maxRoomSize);
            if (parsed.request().isEmpty()) {
                Placement rejected = Placement.rejected(parsed.problem());
                long nanos = System.nanoTime() - startNanos;
                String backend = loggableBackend(join);
                // Named only when the inventory knows it: a client's made-up backend must not mint a label value.
                metrics.decided(inventory.backend(backend).isPresent() ? backend : DecisionMetrics.NO_BACKEND,
                        Decision.REJECTED, nanos);
                decisions.log(loggableRoom(join), backend, rejected, nanos / 1000);
                return CompletableFuture.completedFuture(ack(notify, actions(rejected)));
            }
            request = parsed.request().get();
            Optional<BackendSnapshot> backend = inventory.backend(request.backend());
            if (backend.isEmpty()) {
                metrics.unknownBackend();
                warnUnknownBackend(request.backend());
                // Without a view of the servers the agent cannot decide: say nothing about the server, so HAProxy
                // falls back to hashing on the room, as if the agent were down.
                return CompletableFuture.completedFuture(ack(notify, UNKNOWN_BACKEND));
            }
            return decide(notify, request, backend.get(), startNanos);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(internalError(notify, request, e));
        }
    }

    private CompletionStage<Ack> decide(
            Notify notify, JoinRequest request, BackendSnapshot backend, long startNanos) {
        CompletionStage<Placement> placement;
        try {
            placement = store.join(request, backend);
        } catch (RuntimeException e) {
            // a store that throws instead of failing its stage: the same answer as a failed stage
            return CompletableFuture.completedFuture(storeError(notify, request, e));
        }
        return placement.handle((decided, failure) -> answer(notify, request, decided, failure, startNanos));
    }

    // Runs where the store completes its stage (an event loop, or Redis's thread): whatever throws here would
    // otherwise fail the stage and leave the NOTIFY unanswered.
    private Ack answer(Notify notify, JoinRequest request, Placement placement, Throwable failure, long startNanos) {
        try {
            if (failure != null) {
                return storeError(notify, request, failure);
            }
            long nanos = System.nanoTime() - startNanos;
            metrics.decided(request.backend(), placement.decision(), nanos);
            decisions.log(request.room(), request.backend(), placement, nanos / 1000);
            return ack(notify, actions(placement));
        } catch (RuntimeException e) {
            return internalError(notify, request, e);
        }
    }

    private Ack storeError(Notify notify, JoinRequest request, Throwable failure) {
        metrics.storeError();
        long heldBack = storeErrors.pass();
        if (heldBack >= 0) {
            log.error("room={} backend={}: the {} store failed; the join is refused (retry)"
                    + " ({} more since the last such line)", request.room(), request.backend(), store.kind(),
                    heldBack, failure);
        }
        return ack(notify, STORE_FAILED);
    }

    /** {@code request} is null when the join had not been read yet. */
    private Ack internalError(Notify notify, JoinRequest request, RuntimeException failure) {
        metrics.internalError();
        long heldBack = internalErrors.pass();
        if (heldBack >= 0) {
            log.error("room={} backend={}: answering the join failed; the join is refused (retry)"
                    + " ({} more since the last such line)", request == null ? "-" : request.room(),
                    request == null ? "-" : request.backend(), heldBack, failure);
        }
        return internalErrorAck(notify);
    }

    /** The ACK for a NOTIFY that could not be answered: refused, {@value #INTERNAL_ERROR}. */
    static Ack internalErrorAck(Notify notify) {
        return ack(notify, INTERNAL_FAILURE);
    }

    private void warnUnknownBackend(String backend) {
        long heldBack = unknownBackendWarnings.pass();
        if (heldBack >= 0) {
            log.warn("backend {} is unknown to the inventory ({}); its joins fall back to HAProxy's hashing ({} more"
                    + " since the last such line)", backend, inventory.describe(), heldBack);
        }
    }

    // The reason comes last and the fallback just before it: they give way, in that order, when an operator has set
    // max-frame-size so low that the frame would not hold them (the session fits each ACK, keeping ACTIONS_KEPT).
    private static List<SpopAction> actions(Placement placement) {
        List<SpopAction> actions = new ArrayList<>(4);
        placement.server().ifPresent(server -> actions.add(setVar("server", server)));
        actions.add(setVar("decision", placement.decision().wireName()));
        placement.fallback().ifPresent(server -> actions.add(setVar("fallback", server)));
        actions.add(setVar("reason", placement.reason()));
        return actions;
    }

    private static SpopAction setVar(String name, String value) {
        String bounded = value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) : value;
        return new SpopAction.SetVar(VarScope.TXN, name, new TypedData.Str(bounded));
    }

    private static Ack ack(Notify notify, List<SpopAction> actions) {
        return new Ack(notify.streamId(), notify.frameId(), actions);
    }

    // A rejected join's ids may be anything a client sent: log them only when they are valid ids.
    private static String loggableRoom(SpopMessage join) {
        return loggable(join, "room");
    }

    private static String loggableBackend(SpopMessage join) {
        return loggable(join, "backend");
    }

    private static String loggable(SpopMessage join, String name) {
        return join.arg(name)
                .filter(TypedData.Str.class::isInstance)
                .map(v -> ((TypedData.Str) v).value())
                .filter(v -> io.roomrouter.placement.Identifiers.problem(name, v).isEmpty())
                .orElse("-");
    }
}
