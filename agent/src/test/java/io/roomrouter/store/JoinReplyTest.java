package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinReplyTest {
    private static final BackendSnapshot SNAPSHOT = new BackendSnapshot("be_game",
            List.of(new ServerStatus("game1", ServerState.UP, 100, 0), new ServerStatus("game2", ServerState.UP, 100, 0)),
            0);

    @Test
    void readsTheScriptsEightValues() {
        JoinReply reply = JoinReply.of(List.of("placed", "game2", "least-loaded", "10", "100", "42", "1", "game1"));

        assertThat(reply).isEqualTo(
                new JoinReply(Decision.PLACED, "game2", "least-loaded", 10, 100, "42", true, "game1"));
    }

    @Test
    void aMalformedReplyNamesWhatIsWrong() {
        assertThatThrownBy(() -> JoinReply.of(List.of("placed")))
                .hasMessage("join reply: [placed] (expected: 8 values)");
        assertThatThrownBy(() -> JoinReply.of(List.of("placed", 7L, "", "0", "0", "", "0", "")))
                .hasMessage("join reply value 1: 7 (expected: a string)");
    }

    @Test
    void namedAsKeepsTheSnapshotsOwnNamesNotStringsOfItsOwn() {
        // New strings, as Lettuce decodes them from each reply.
        JoinReply reply = JoinReply.of(List.of("placed", new String("game2"), "least-loaded", "10", "100", "42", "1",
                new String("game1")));

        JoinReply named = reply.namedAs(SNAPSHOT);

        assertThat(named).isEqualTo(reply);
        assertThat(named.server()).isSameAs(SNAPSHOT.servers().get(1).name());
        assertThat(named.fallback()).isSameAs(SNAPSHOT.servers().get(0).name());
    }

    @Test
    void namedAsKeepsANameTheSnapshotDoesNotHave() {
        JoinReply reply = JoinReply.of(List.of("full", "", "no server fits", "0", "0", "", "0", ""));

        assertThat(reply.namedAs(SNAPSHOT)).isEqualTo(reply);
    }
}
