package io.roomrouter.agent;

import io.roomrouter.spop.Ack;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The frames of HAProxy's side of a room-join conversation, for every client that plays HAProxy: the agent's
 * warm-up, the agent's tests and the benchmarks' load generator. One builder, so that they all send the same
 * {@code room-join} NOTIFY and read the ACK's variables the same way; each keeps its own transport (a blocking
 * socket, a test channel, one event loop for many pipelined connections).
 */
public final class HaproxySide {
    /** The frame size HAProxy 2.6 offers in its HELLO (tune.bufsize 16384 minus the 4-byte length). */
    public static final int MAX_FRAME_SIZE = 16380;

    private HaproxySide() {}

    /** HAPROXY-HELLO as HAProxy 2.6 says it: SPOP 2.0, {@code capabilities} such as {@code "pipelining,async"}. */
    public static HaproxyHello hello(int maxFrameSize, String capabilities, String engineId) {
        return new HaproxyHello("2.0", maxFrameSize, capabilities, false, Optional.of(engineId));
    }

    /**
     * A {@code room-join} NOTIFY of one frame: {@code room}, {@code backend}, no {@code size} (a null, as HAProxy
     * sends a missing query parameter) and {@code player}.
     */
    public static Notify roomJoin(long streamId, String backend, String room, String player) {
        return new Notify(streamId, 1, List.of(new SpopMessage(JoinMessage.NAME, List.of(
                new SpopMessage.Arg("room", new TypedData.Str(room)),
                new SpopMessage.Arg("backend", new TypedData.Str(backend)),
                new SpopMessage.Arg("size", TypedData.NULL),
                new SpopMessage.Arg("player", new TypedData.Str(player))))));
    }

    /** The string variables an ACK sets ({@code decision}, {@code server}, {@code reason}...), by name. */
    public static Map<String, String> variables(Ack ack) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (SpopAction action : ack.actions()) {
            if (action instanceof SpopAction.SetVar set && set.value() instanceof TypedData.Str value) {
                variables.putIfAbsent(set.name(), value.value());
            }
        }
        return variables;
    }

    /** One string variable the ACK sets; empty when it sets none by that name. */
    public static Optional<String> variable(Ack ack, String name) {
        for (SpopAction action : ack.actions()) {
            if (action instanceof SpopAction.SetVar set && set.name().equals(name)
                    && set.value() instanceof TypedData.Str value) {
                return Optional.of(value.value());
            }
        }
        return Optional.empty();
    }
}
