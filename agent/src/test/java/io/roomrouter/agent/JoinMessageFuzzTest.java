package io.roomrouter.agent;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.TableHint;
import io.roomrouter.spop.FuzzLedger;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFuzzing;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the join message: each input is the LIST-OF-MESSAGES of a NOTIFY, wrapped in a valid
 * frame and decoded by the real decoder ({@link SpopFuzzing}); each {@code room-join} message is then read by
 * {@link JoinMessage#parse} as the agent reads it. Checked against an oracle written from the README's contract,
 * not from the parser: a join is accepted exactly when room and backend are strings of 1 to 64 characters from
 * {@code [A-Za-z0-9._:-]}, size is absent, NULL or an integer from 1 to {@code --max-room-size} (by default
 * {@code --room-size}, 10), player is absent, NULL or such a string, and client is absent, NULL, an address, an
 * integer, a string of 1 to 128 characters or 1 to 64 bytes, and in_table is absent, NULL or a boolean; an
 * accepted join carries those values; a refused one has a reason of printable ASCII only (it goes into the ACK and
 * the log line, so no client byte may reach it raw) and never throws.
 */
class JoinMessageFuzzTest {
    private static final FuzzLedger LEDGER = new FuzzLedger(JoinMessageFuzzTest.class, "roomJoin");
    private static final int DEFAULT_SIZE = 10;
    // the agent's defaults: --max-room-size is --room-size
    private static final int MAX_SIZE = DEFAULT_SIZE;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Pattern REASON = Pattern.compile("[\\x20-\\x7e]{1,200}");

    @FuzzTest
    void roomJoin(byte[] messages) {
        LEDGER.input(messages);
        try {
            SpopFuzzing.Outcome outcome = SpopFuzzing.decodeAsAgent(SpopFuzzing.notifyFrame(messages));
            LEDGER.outcome(outcome);
            for (SpopFrame frame : outcome.frames()) {
                for (SpopMessage message : ((Notify) frame).messages()) {
                    if (message.name().equals(JoinMessage.NAME)) {
                        check(message);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            LEDGER.finding(e);
            throw e;
        }
    }

    private static void check(SpopMessage message) {
        JoinMessage parsed = JoinMessage.parse(message, DEFAULT_SIZE, MAX_SIZE);
        Optional<JoinRequest> expected = oracle(message);
        if (!parsed.request().equals(expected)) {
            throw new AssertionError("parsed " + message + " as " + parsed + " (expected: " + expected + ")");
        }
        if (expected.isPresent() ? !parsed.problem().isEmpty() : !REASON.matcher(parsed.problem()).matches()) {
            throw new AssertionError("reason \"" + parsed.problem() + "\" for " + message
                    + " (expected: empty when accepted, else 1 to 200 printable ASCII characters)");
        }
    }

    /** The contract (README, "The SPOE contract"); the first argument of a name is the one that counts. */
    private static Optional<JoinRequest> oracle(SpopMessage message) {
        Optional<String> room = id(message.arg("room"));
        Optional<String> backend = id(message.arg("backend"));
        TypedData size = message.arg("size").orElse(TypedData.NULL);
        TypedData player = message.arg("player").orElse(TypedData.NULL);
        TypedData client = message.arg("client").orElse(TypedData.NULL);
        if (room.isEmpty() || backend.isEmpty()) {
            return Optional.empty();
        }
        int roomSize = DEFAULT_SIZE;
        if (size instanceof TypedData.Int i) {
            // an unsigned 64-bit value above 2^63 is negative here: out of range either way
            if (i.value() < 1 || i.value() > MAX_SIZE) {
                return Optional.empty();
            }
            roomSize = (int) i.value();
        } else if (!(size instanceof TypedData.Null)) {
            return Optional.empty();
        }
        Optional<String> playerId = Optional.empty();
        if (!(player instanceof TypedData.Null)) {
            playerId = id(Optional.of(player));
            if (playerId.isEmpty()) {
                return Optional.empty();
            }
        }
        Optional<String> clientId;
        if (client instanceof TypedData.Null) {
            clientId = Optional.empty();
        } else if (client instanceof TypedData.Ip ip) {
            clientId = Optional.of(ip.address().getHostAddress());
        } else if (client instanceof TypedData.Int i) {
            clientId = Optional.of(Long.toString(i.value()));
        } else if (client instanceof TypedData.Str str && !str.value().isEmpty() && str.value().length() <= 128) {
            clientId = Optional.of(str.value());
        } else if (client instanceof TypedData.Binary b && b.length() >= 1 && b.length() <= 64) {
            clientId = Optional.of(HexFormat.of().formatHex(b.value()));
        } else {
            return Optional.empty();
        }
        TypedData inTable = message.arg("in_table").orElse(TypedData.NULL);
        TableHint table;
        if (inTable instanceof TypedData.Null) {
            table = TableHint.NOT_SENT;
        } else if (inTable instanceof TypedData.Bool b) {
            table = b.value() ? TableHint.IN_TABLE : TableHint.NOT_IN_TABLE;
        } else {
            return Optional.empty();
        }
        return Optional.of(new JoinRequest(room.get(), backend.get(), roomSize, playerId, clientId, table));
    }

    private static Optional<String> id(Optional<TypedData> value) {
        return value.filter(TypedData.Str.class::isInstance)
                .map(v -> ((TypedData.Str) v).value())
                .filter(s -> ID.matcher(s).matches());
    }

    @AfterAll
    static void everySeedRan() {
        LEDGER.finish(8);
    }
}
