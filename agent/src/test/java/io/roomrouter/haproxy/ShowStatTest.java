package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.haproxy.ShowStat.ServerRow;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ShowStatTest {

    @Test
    void readsServersOfEveryBackendAndSkipsFrontendAndBackendRows() {
        Map<String, List<ServerRow>> backends = ShowStat.parse(Fixtures.showStat("health-checks"));

        assertThat(backends).containsOnlyKeys("be_game", "be_checked");
        assertThat(backends.get("be_game"))
                .containsExactly(
                        new ServerRow("be_game", "game1", "no check", 0, OptionalInt.of(50), OptionalInt.of(1)),
                        new ServerRow("be_game", "game2", "no check", 0, OptionalInt.of(50), OptionalInt.of(2)),
                        new ServerRow("be_game", "game3", "no check", 0, OptionalInt.empty(), OptionalInt.of(3)));
        assertThat(backends.get("be_checked"))
                .containsExactly(
                        new ServerRow("be_checked", "up1", "UP", 0, OptionalInt.empty(), OptionalInt.of(1)),
                        new ServerRow("be_checked", "down1", "DOWN", 0, OptionalInt.empty(), OptionalInt.of(2)));
    }

    @Test
    void readsLiveConnectionsAndMaxconnSetAtRuntimeAndServersAddedAtRuntime() {
        List<ServerRow> game = ShowStat.parse(Fixtures.showStat("live-connections")).get("be_game");

        assertThat(game)
                .containsExactly(
                        new ServerRow("be_game", "game1", "no check", 5, OptionalInt.of(50), OptionalInt.of(1)),
                        new ServerRow("be_game", "game2", "DRAIN", 5, OptionalInt.of(50), OptionalInt.of(2)),
                        new ServerRow("be_game", "game3", "no check", 2, OptionalInt.of(70), OptionalInt.of(3)),
                        // added with "add server" and not enabled yet
                        new ServerRow("be_game", "game4", "MAINT", 0, OptionalInt.empty(), OptionalInt.of(4)),
                        // added with "add server ... maxconn 20", then enabled
                        new ServerRow("be_game", "game5", "no check", 0, OptionalInt.of(20), OptionalInt.of(5)));
    }

    @Test
    void keepsEveryStatusStringAsHaproxyWroteIt() {
        assertThat(statuses("transitions", "be_checked")).containsExactly("UP 2/3", "DOWN 1/2", "UP 2/3", "UP");
        assertThat(statuses("maint-via", "be_checked"))
                .containsExactly("MAINT", "UP", "MAINT (via be_checked/up1)", "UP");
        assertThat(statuses("agent-drain-going-down", "be_more"))
                .containsExactly("DOWN", "DOWN (agent)", "DRAIN (agent)", "DRAIN 1/3");
        assertThat(statuses("nolb", "be_more")).containsExactly("NOLB", "DOWN (agent)", "DRAIN (agent)", "DOWN");
    }

    private static List<String> statuses(String fixture, String backend) {
        return ShowStat.parse(Fixtures.showStat(fixture)).get(backend).stream().map(ServerRow::status).toList();
    }

    @Test
    void findsColumnsByNameNotPosition() {
        String answer = """
                # svname,status,pxname,slim,scur
                FRONTEND,OPEN,fe,100,3
                s1,UP,be,,4
                BACKEND,UP,be,10,4
                BACKEND,UP,empty,10,0

                """;

        Map<String, List<ServerRow>> backends = ShowStat.parse(answer);

        assertThat(backends).containsOnlyKeys("be", "empty");
        assertThat(backends.get("be")).containsExactly(new ServerRow("be", "s1", "UP", 4, OptionalInt.empty()));
        assertThat(backends.get("empty")).isEmpty();
    }

    @Test
    void readsQuotedFields() {
        String answer = "# pxname,svname,scur,slim,status,check_desc\n"
                + "be,s1,0,,\"DOWN\",\"refused, \"\"twice\"\"\"\n";

        assertThat(ShowStat.Csv.records(answer).get(1)).containsExactly("be", "s1", "0", "", "DOWN", "refused, \"twice\"");
        assertThat(ShowStat.parse(answer).get("be")).extracting(ServerRow::status).containsExactly("DOWN");
    }

    @Test
    void rejectsAnAnswerThatIsNotTheCsv() {
        assertThatThrownBy(() -> ShowStat.parse("Permission denied\n\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("show stat: answer starts with 'Permission denied' (expected: '# pxname,svname,...')");
        assertThatThrownBy(() -> ShowStat.parse(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: '# pxname,svname,...'");
    }

    @Test
    void rejectsAHeaderWithoutANeededColumn() {
        assertThatThrownBy(() -> ShowStat.parse("# pxname,svname,scur,status\nbe,s1,0,UP\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("show stat: header [pxname, svname, scur, status] (expected: a column 'slim')");
    }

    @Test
    void rejectsShortRowsAndBadNumbers() {
        assertThatThrownBy(() -> ShowStat.parse("# pxname,svname,scur,slim,status\nbe,s1,0\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("show stat: row 1 has 3 fields (expected: >= 5)");
        assertThatThrownBy(() -> ShowStat.parse("# pxname,svname,scur,slim,status\nbe,s1,x,,UP\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("show stat: scur of be/s1: 'x' (expected: an integer >= 0)");
        assertThatThrownBy(() -> ShowStat.parse("# pxname,svname,scur,slim,status\nbe,s1,0,-1,UP\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("show stat: slim of be/s1: '-1' (expected: an integer >= 0)");
    }
}
