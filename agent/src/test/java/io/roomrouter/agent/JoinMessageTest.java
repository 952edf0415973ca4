package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.TableHint;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopMessage.Arg;
import io.roomrouter.spop.TypedData;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinMessageTest {

    @Test
    void readsAllArguments() {
        JoinMessage parsed = JoinMessage.parse(message(
                new Arg("room", str("r1")), new Arg("backend", str("be_game")),
                new Arg("size", TypedData.Int.int64(4)), new Arg("player", str("p7"))), 10, 10);

        assertThat(parsed.request()).contains(new JoinRequest("r1", "be_game", 4, Optional.of("p7")));
    }

    @Test
    void nullMeansAbsent() {
        JoinMessage parsed = JoinMessage.parse(message(
                new Arg("room", str("r1")), new Arg("backend", str("be_game")),
                new Arg("size", TypedData.NULL), new Arg("player", TypedData.NULL)), 10, 10);

        assertThat(parsed.request()).contains(new JoinRequest("r1", "be_game", 10, Optional.empty()));
    }

    @Test
    void rejectsMissingAndBadArguments() {
        assertThat(problem(new Arg("backend", str("be_game")))).isEqualTo("missing room");
        assertThat(problem(new Arg("room", TypedData.NULL), new Arg("backend", str("be_game")))).isEqualTo("missing room");
        assertThat(problem(new Arg("room", str("r1")))).isEqualTo("missing backend");
        assertThat(problem(new Arg("room", TypedData.Int.int64(5)), new Arg("backend", str("b"))))
                .isEqualTo("room is int64 (expected: string)");
        assertThat(problem(new Arg("room", str("x".repeat(65))), new Arg("backend", str("b"))))
                .isEqualTo("room length 65 (expected: <= 64)");
        assertThat(problem(new Arg("room", str("r 1")), new Arg("backend", str("b"))))
                .startsWith("room has character 0x20");
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")), new Arg("size", TypedData.Int.int64(0))))
                .isEqualTo("size 0 (expected: 1 to 1000)");
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")), new Arg("size", TypedData.Int.int64(-5))))
                .isEqualTo("size -5 (expected: 1 to 1000)");
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")), new Arg("size", str("10"))))
                .isEqualTo("size is str (expected: integer)");
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")), new Arg("player", str(""))))
                .isEqualTo("player is empty");
    }

    @Test
    void aSizeAboveTheMaximumIsRejected() {
        JoinMessage parsed = JoinMessage.parse(message(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("size", TypedData.Int.int64(11))), 10, 10);
        assertThat(parsed.request()).isEmpty();
        assertThat(parsed.problem()).isEqualTo("size 11 (expected: 1 to 10)");
        assertThat(JoinMessage.parse(message(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("size", TypedData.Int.int64(10))), 10, 10).request()).isPresent();
    }

    @Test
    void readsWhetherHaproxysTableHasTheRoom() {
        assertThat(hint(new TypedData.Bool(true))).isEqualTo(TableHint.IN_TABLE);
        assertThat(hint(new TypedData.Bool(false))).isEqualTo(TableHint.NOT_IN_TABLE);
        assertThat(hint(TypedData.NULL)).isEqualTo(TableHint.NOT_SENT);
        assertThat(JoinMessage.parse(message(new Arg("room", str("r1")), new Arg("backend", str("b"))), 10, 10)
                .request().orElseThrow().table()).isEqualTo(TableHint.NOT_SENT);
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("in_table", str("yes")))).isEqualTo("in_table is str (expected: boolean)");
    }

    private static TableHint hint(TypedData value) {
        return JoinMessage.parse(message(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("in_table", value)), 10, 10).request().orElseThrow().table();
    }

    @Test
    void readsTheClientFromAnAddressAStringOrAnInteger() throws Exception {
        assertThat(client(new TypedData.Ip(java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 7}))))
                .contains("10.0.0.7");
        assertThat(client(new TypedData.Ip(java.net.InetAddress.getByName("2001:db8::1"))))
                .contains("2001:db8:0:0:0:0:0:1");
        assertThat(client(str("user-42"))).contains("user-42");
        assertThat(client(TypedData.Int.int64(42))).contains("42");
        assertThat(client(TypedData.NULL)).isEmpty();
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("client", str("x".repeat(129))))).isEqualTo("client length 129 (expected: 1 to 128)");
        assertThat(problem(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("client", new TypedData.Bool(true)))).isEqualTo("client is bool (expected: address, string or integer)");
    }

    private static Optional<String> client(TypedData value) {
        JoinMessage parsed = JoinMessage.parse(message(new Arg("room", str("r1")), new Arg("backend", str("b")),
                new Arg("client", value)), 10, 10);
        return parsed.request().orElseThrow().client();
    }

    private static String problem(Arg... args) {
        JoinMessage parsed = JoinMessage.parse(message(args), 10, 1000);
        assertThat(parsed.request()).isEmpty();
        return parsed.problem();
    }

    private static SpopMessage message(Arg... args) {
        return new SpopMessage("room-join", List.of(args));
    }

    private static TypedData str(String value) {
        return new TypedData.Str(value);
    }
}
