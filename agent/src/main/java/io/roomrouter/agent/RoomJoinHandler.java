package io.roomrouter.agent;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopFrameEncoder;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import io.roomrouter.spop.VarScope;
import io.roomrouter.store.RoomStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a NOTIFY into its ACK: reads the {@code room-join} message, asks the store for a decision against the
 * inventory's latest view of the backend, logs the decision, and answers with the variables HAProxy routes by,
 * all in scope txn: {@code server}, {@code decision}, {@code reason}, and {@code fallback}, the server HAProxy
 * uses for the room if it finds {@code server} down before the agent has seen it fail (see
 * {@link PlacementPolicy#fallback}). A NOTIFY without a {@code room-join} gets an ACK with one harmless action:
 * some HAProxy 3.1 releases stall on an empty ACK.
 */
final class RoomJoinHandler {
    private static final Logger log = LoggerFactory.getLogger(RoomJoinHandler.class);
    /** Reasons are free text: bounded, so that an ACK stays small whatever went wrong. */
    static final int MAX_VALUE_LENGTH = 120;
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    private final ServerInventory inventory;
    private final RoomStore store;
    private final DecisionLog decisions;
    private final int defaultRoomSize;
    private final AtomicLong lastUnknownBackendWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    RoomJoinHandler(ServerInventory inventory, RoomStore store, DecisionLog decisions, int defaultRoomSize) {
        this.inventory = inventory;
        this.store = store;
        this.decisions = decisions;
        this.defaultRoomSize = defaultRoomSize;
    }

    /** The ACK for {@code notify}, encoded in at most {@code maxFrameSize} bytes (the connection's negotiated size). */
    CompletionStage<Ack> handle(Notify notify, int maxFrameSize) {
        long startNanos = System.nanoTime();
        SpopMessage join = null;
        for (SpopMessage message : notify.messages()) {
            if (message.name().equals(JoinMessage.NAME)) {
                join = message;
                break;
            }
        }
        if (join == null) {
            return CompletableFuture.completedFuture(
                    ack(notify, List.of(new SpopAction.UnsetVar(VarScope.TXN, "reason"))));
        }
        JoinMessage parsed = JoinMessage.parse(join, defaultRoomSize);
        if (parsed.request().isEmpty()) {
            Placement rejected = Placement.rejected(parsed.problem());
            decisions.log(loggableRoom(join), loggableBackend(join), rejected, micros(startNanos));
            return CompletableFuture.completedFuture(ack(notify, actions(rejected), maxFrameSize));
        }
        JoinRequest request = parsed.request().get();
        Optional<BackendSnapshot> backend = inventory.backend(request.backend());
        if (backend.isEmpty()) {
            warnUnknownBackend(request.backend());
            // Without a view of the servers the agent cannot decide: say nothing about the server, so HAProxy
            // falls back to hashing on the room, as if the agent were down.
            return CompletableFuture.completedFuture(ack(notify, List.of(setVar("reason", "unknown backend"))));
        }
        return store.join(request, backend.get()).handle((placement, failure) -> {
            if (failure != null) {
                log.error("room={} backend={}: the {} store failed; HAProxy falls back to hashing",
                        request.room(), request.backend(), store.kind(), failure);
                return ack(notify, List.of(setVar("reason", "store error")));
            }
            decisions.log(request.room(), request.backend(), placement, micros(startNanos));
            return ack(notify, actions(placement), maxFrameSize);
        });
    }

    private void warnUnknownBackend(String backend) {
        long now = System.nanoTime();
        long last = lastUnknownBackendWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastUnknownBackendWarning.compareAndSet(last, now)) {
            log.warn("backend {} is unknown to the inventory ({}); its joins fall back to HAProxy's hashing",
                    backend, inventory.describe());
        }
    }

    // The reason comes last and the fallback just before it: they give way, in that order, when an operator
    // has set max-frame-size so low that the frame would not hold them (see ack(notify, actions, maxFrameSize)).
    private static List<SpopAction> actions(Placement placement) {
        List<SpopAction> actions = new ArrayList<>(4);
        placement.server().ifPresent(server -> actions.add(setVar("server", server)));
        actions.add(setVar("decision", placement.decision().wireName()));
        placement.fallback().ifPresent(server -> actions.add(setVar("fallback", server)));
        actions.add(setVar("reason", placement.reason()));
        return actions;
    }

    private static Ack ack(Notify notify, List<SpopAction> actions, int maxFrameSize) {
        Ack ack = ack(notify, actions);
        if (sizeBound(actions) <= maxFrameSize) {
            return ack; // always, at HAProxy's usual 16380 bytes: no need to measure what the encoder measures again
        }
        while (SpopFrameEncoder.encodedSize(ack) - Integer.BYTES > maxFrameSize && actions.size() > 2) {
            actions.remove(actions.size() - 1);
            ack = ack(notify, actions);
        }
        return ack;
    }

    // An upper bound of the ACK's encoded size from string lengths alone (a char is at most 3 UTF-8 bytes): type,
    // flags, two varint ids, then per set-var its type, argument count, scope, and two length-prefixed strings.
    private static int sizeBound(List<SpopAction> actions) {
        int bound = 1 + 4 + 10 + 10;
        for (SpopAction action : actions) {
            SpopAction.SetVar set = (SpopAction.SetVar) action;
            int valueLength = set.value() instanceof TypedData.Str str ? str.value().length() : 0;
            bound += 4 + 5 + 3 * set.name().length() + 5 + 3 * valueLength;
        }
        return bound;
    }

    private static SpopAction setVar(String name, String value) {
        String bounded = value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) : value;
        return new SpopAction.SetVar(VarScope.TXN, name, new TypedData.Str(bounded));
    }

    private static Ack ack(Notify notify, List<SpopAction> actions) {
        return new Ack(notify.streamId(), notify.frameId(), actions);
    }

    private static long micros(long startNanos) {
        return (System.nanoTime() - startNanos) / 1000;
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
