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
        assertThatThrownBy(() -> JoinReply.of(List.of("maybe", "", "", "0", "0", "", "0", "")))
                .isInstanceOf(ScriptValues.ScriptReplyException.class)
                .hasMessage("join reply value 0: maybe (expected: a Decision)");
        assertThatThrownBy(() -> JoinReply.of(List.of("placed", "g", "", "ten", "0", "", "0", "")))
                .hasMessage("join reply value 3: ten (expected: a number)");
        assertThatThrownBy(() -> JoinReply.of(List.of("placed", "g", "", "1", "10", "", "yes", "")))
                .hasMessage("join reply value 6: yes (expected: 0 or 1)");
    }

    @Test
    void readsUnknownAsTheRoomRedisDoesNotHave() {
        JoinReply reply = JoinReply.of(List.of("unknown", "", "", "0", "0", "", "0", ""));

        assertThat(reply).isEqualTo(JoinReply.UNKNOWN_ROOM);
        assertThat(reply.unknownRoom()).isTrue();
        assertThat(JoinReply.of(List.of("sticky", "g", "room lives here", "1", "10", "4", "0", "")).unknownRoom())
                .isFalse();
    }

    @Test
    void readsTheOtherRepliesOfTheScript() {
        assertThat(TouchReply.of(List.of("1", "0", "game1", "", "", "", "", "")))
                .isEqualTo(new TouchReply(true, false, "game1"));
        assertThat(ReleaseReply.of(List.of("0"))).isEqualTo(new ReleaseReply(false));
        assertThat(AdoptReply.of(List.of("adopted", "game1", "7", "conflict", "game2", "3"), 2)).containsExactly(
                new AdoptReply(RedisReconciler.Kind.ADOPTED, "game1", "7"),
                new AdoptReply(RedisReconciler.Kind.CONFLICT, "game2", "3"));
        assertThatThrownBy(() -> AdoptReply.of(List.of("adopted", "game1"), 1))
                .hasMessage("adopt reply: 2 values (expected: 3 x 1 rooms)");
        assertThatThrownBy(() -> AdoptReply.of(List.of("kept", "game1", "7", "lost", "game1", "7"), 2))
                .hasMessage("adopt reply value 3: lost (expected: a Kind)");
        assertThatThrownBy(() -> ReleaseReply.of(List.of("1", "1")))
                .hasMessage("release reply: [1, 1] (expected: 1 values)");
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
