package io.roomrouter.agent;

import io.roomrouter.placement.Identifiers;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.TableHint;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code room-join} SPOE message, read into a {@link JoinRequest} or the reason it is rejected. Every
 * argument is client input (HAProxy fetched it from the URL), so each is checked for type, length and
 * characters; NULL, which HAProxy sends for a sample it could not fetch, means absent.
 */
record JoinMessage(Optional<JoinRequest> request, String problem) {
    static final String NAME = "room-join";

    JoinMessage {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(problem, "problem");
    }

    /** The longest client identity accepted, in characters (an IPv6 address takes at most 45). */
    static final int MAX_CLIENT_LENGTH = 128;

    /**
     * Reads the join; a {@code size} above {@code maxSize} is rejected: a client must not be able to ask for a
     * room large enough to hold every seat of a server.
     */
    static JoinMessage parse(SpopMessage message, int defaultSize, int maxSize) {
        Optional<String> room = string(message, "room");
        if (room.isEmpty()) {
            return rejected(describeMissing(message, "room", "string"));
        }
        Optional<String> roomProblem = Identifiers.problem("room", room.get());
        if (roomProblem.isPresent()) {
            return rejected(roomProblem.get());
        }
        Optional<String> backend = string(message, "backend");
        if (backend.isEmpty()) {
            return rejected(describeMissing(message, "backend", "string"));
        }
        Optional<String> backendProblem = Identifiers.problem("backend", backend.get());
        if (backendProblem.isPresent()) {
            return rejected(backendProblem.get());
        }
        int size = defaultSize;
        TypedData sizeArg = message.arg("size").orElse(TypedData.NULL);
        if (sizeArg instanceof TypedData.Int i) {
            if (i.value() < 1 || i.value() > maxSize) {
                return rejected("size " + i.value() + " (expected: 1 to " + maxSize + ")");
            }
            size = (int) i.value();
        } else if (!(sizeArg instanceof TypedData.Null)) {
            return rejected("size is " + typeName(sizeArg) + " (expected: integer)");
        }
        TypedData playerArg = message.arg("player").orElse(TypedData.NULL);
        Optional<String> player = Optional.empty();
        if (playerArg instanceof TypedData.Str s) {
            Optional<String> playerProblem = Identifiers.problem("player", s.value());
            if (playerProblem.isPresent()) {
                return rejected(playerProblem.get());
            }
            player = Optional.of(s.value());
        } else if (!(playerArg instanceof TypedData.Null)) {
            return rejected("player is " + typeName(playerArg) + " (expected: string)");
        }
        TypedData clientArg = message.arg("client").orElse(TypedData.NULL);
        Optional<String> client = Optional.empty();
        if (clientArg instanceof TypedData.Ip ip) {
            client = Optional.of(ip.address().getHostAddress()); // a literal address: no name lookup
        } else if (clientArg instanceof TypedData.Str s) {
            if (s.value().isEmpty() || s.value().length() > MAX_CLIENT_LENGTH) {
                return rejected("client length " + s.value().length() + " (expected: 1 to " + MAX_CLIENT_LENGTH + ")");
            }
            client = Optional.of(s.value());
        } else if (clientArg instanceof TypedData.Int i) {
            client = Optional.of(Long.toString(i.value()));
        } else if (clientArg instanceof TypedData.Binary b) {
            if (b.length() == 0 || b.length() > MAX_CLIENT_LENGTH / 2) {
                return rejected("client length " + b.length() + " bytes (expected: 1 to " + MAX_CLIENT_LENGTH / 2 + ")");
            }
            client = Optional.of(java.util.HexFormat.of().formatHex(b.value()));
        } else if (!(clientArg instanceof TypedData.Null)) {
            return rejected("client is " + typeName(clientArg) + " (expected: address, string or integer)");
        }
        TypedData inTableArg = message.arg("in_table").orElse(TypedData.NULL);
        TableHint table = TableHint.NOT_SENT;
        if (inTableArg instanceof TypedData.Bool b) {
            table = b.value() ? TableHint.IN_TABLE : TableHint.NOT_IN_TABLE;
        } else if (!(inTableArg instanceof TypedData.Null)) {
            return rejected("in_table is " + typeName(inTableArg) + " (expected: boolean)");
        }
        return new JoinMessage(Optional.of(new JoinRequest(room.get(), backend.get(), size, player, client, table)),
                "");
    }

    private static Optional<String> string(SpopMessage message, String name) {
        return message.arg(name).filter(TypedData.Str.class::isInstance).map(v -> ((TypedData.Str) v).value());
    }

    private static String describeMissing(SpopMessage message, String name, String expected) {
        Optional<TypedData> value = message.arg(name);
        if (value.isEmpty() || value.get() instanceof TypedData.Null) {
            return "missing " + name;
        }
        return name + " is " + typeName(value.get()) + " (expected: " + expected + ")";
    }

    private static String typeName(TypedData value) {
        if (value instanceof TypedData.Int i) {
            return i.type().name().toLowerCase(java.util.Locale.ROOT);
        }
        return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    private static JoinMessage rejected(String problem) {
        return new JoinMessage(Optional.empty(), problem);
    }
}
