package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** A room is placed only where it fits whole; when no server has room for one more, the join is told why. */
class CapacityIT {

    @Test
    void fullServersRefuseNewRoomsButLetPlayersBackIn(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .agentArgs("--room-size", "10")
                        .beforeAgent(api -> List.of("game1", "game2", "game3")
                                .forEach(s -> api.setMaxconn(GAME_BACKEND, s, 50)))
                        .start();
                Crowd crowd = new Crowd(stack.frontend(), 16)) {
            // Rooms fill in waves of three, a refresh apart: the agent counts a new player both as a held seat and,
            // once HAProxy's counters show it, as a live connection, until the next inventory read settles it.
            List<Player> players = new ArrayList<>();
            for (int wave = 0; wave < 5; wave++) {
                List<Join> joins = new ArrayList<>();
                for (int r = 3 * wave + 1; r <= 3 * wave + 3; r++) {
                    joins.addAll(Join.room("cap" + r, 1, 10));
                }
                players.addAll(crowd.join(joins, Crowd.Presence.STAY));
                stack.awaitInventoryRefresh();
            }
            RoomReport report = RoomReport.of(players);
            TestLogs.report(test, report.summary());

            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(report.splitRooms()).isEmpty();
            assertThat(report.roomsPerServer()).isEqualTo(Map.of("game1", 5, "game2", 5, "game3", 5));

            // 150 players hold all 3 x 50 slots.
            Player late = crowd.joinOne("cap16", "p1");
            TestLogs.report(test, "16th room: " + late.reply().status() + " " + late.reply().body().strip());
            assertThat(late.joined()).isFalse();
            assertThat(late.reply().status()).isEqualTo(503);
            assertThat(late.decision()).isEqualTo("full");
            // in words a player may read; which servers exist and how full they are goes to the agent's log only
            assertThat(late.reply().body())
                    .isEqualTo("no game server has room for a new game right now; please try again later\n");

            Player leaving = players.get(2 * 10 + 3); // cap3, p4
            String home = report.room("cap3").home();
            crowd.leave(leaving);
            Player back = crowd.joinOne("cap3", leaving.id());
            TestLogs.report(test, "cap3/" + leaving.id() + " back: " + back.reply().status() + " on "
                    + back.server().orElse("-") + " (" + back.decision() + ")");
            assertThat(back.joined()).as("rejoin: %s", back.reply()).isTrue();
            assertThat(back.server()).contains(home);
            assertThat(back.decision()).isEqualTo("sticky");
        }
    }
}
