package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.haproxy.ShowTable.Entry;
import io.roomrouter.haproxy.ShowTable.LineKind;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ShowTableTest {
    // Captured from HAProxy 2.6.12 (Debian 12) running haproxy/haproxy.cfg, after joins of r1..r5 with the agent
    // down (hashed), then "set table be_game key x1 data.server_id 2" and "set table be_game key x2":
    // "show table be_game" over the runtime API, exactly as it answered.
    private static final String DUMP_2_6 = "# table: be_game, type: string, size:1048576, used:7\n"
            + "0x7fda5404ca90: key=r1 use=0 exp=1796904 server_id=1 server_key=game1\n"
            + "0x55a1eb427dd0: key=r2 use=0 exp=1797166 server_id=1 server_key=game1\n"
            + "0x7fda5404d8a0: key=r3 use=0 exp=1797905 server_id=1 server_key=game1\n"
            + "0x55a1eb428250: key=r4 use=0 exp=1797948 server_id=3 server_key=game3\n"
            + "0x7fda5404d9b0: key=r5 use=0 exp=1798157 server_id=1 server_key=game1\n"
            // written by "set table": a server id and no server name
            + "0x55a1eb4283b0: key=x1 use=0 exp=1799999 server_id=2 server_key=-\n"
            // written by "set table" with no data: no server at all
            + "0x55a1eb4284c0: key=x2 use=0 exp=1800000 server_id=0 server_key=-\n"
            + "\n";

    @Test
    void readsEveryEntryOfADumpFromHaproxy26() {
        List<String> lines = Arrays.asList(DUMP_2_6.split("\n", -1));

        assertThat(ShowTable.kind(lines.get(0))).isEqualTo(LineKind.HEADER);
        assertThat(ShowTable.tableName(lines.get(0))).contains("be_game");
        assertThat(lines.subList(1, 8)).allSatisfy(line -> assertThat(ShowTable.kind(line)).isEqualTo(LineKind.ENTRY));
        assertThat(ShowTable.kind(lines.get(8))).isEqualTo(LineKind.BLANK);
        assertThat(lines.subList(1, 8).stream().map(ShowTable::entry).flatMap(Optional::stream).toList())
                .containsExactly(
                        new Entry("r1", 1796904, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()),
                        new Entry("r2", 1797166, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()),
                        new Entry("r3", 1797905, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()),
                        new Entry("r4", 1797948, OptionalInt.of(3), Optional.of("game3"), OptionalInt.empty()),
                        new Entry("r5", 1798157, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()),
                        // server_key "-": only the id, to be named through show stat's sid
                        new Entry("x1", 1799999, OptionalInt.of(2), Optional.empty(), OptionalInt.empty()));
        // x2 has no server (server_id=0, server_key=-): nothing to adopt
        assertThat(ShowTable.entry(lines.get(7))).isEmpty();
    }

    @Test
    void readsTheConnectionsATableThatStoresConnCurCountsForEachRoom() {
        // HAProxy 2.6.12 running haproxy/haproxy.cfg (stick-table ... store conn_cur, track-sc0 on joins), three
        // WebSocket players of r1 and one of r2 connected: "show table be_game", exactly as it answered.
        String dump = """
                # table: be_game, type: string, size:1048576, used:2
                0x55ee972a1c90: key=r1 use=3 exp=1799999 server_id=1 conn_cur=3 server_key=game1
                0x7f598004cf60: key=r2 use=1 exp=1799999 server_id=1 conn_cur=1 server_key=game1

                """;
        String[] lines = dump.split("\n", -1);

        assertThat(ShowTable.entry(lines[1]))
                .contains(new Entry("r1", 1799999, OptionalInt.of(1), Optional.of("game1"), OptionalInt.of(3)));
        assertThat(ShowTable.entry(lines[2]))
                .contains(new Entry("r2", 1799999, OptionalInt.of(1), Optional.of("game1"), OptionalInt.of(1)));
        // A count that is not a number is not guessed at: the room then holds its whole size.
        assertThat(ShowTable.entry("0x1: key=r3 use=0 exp=5 server_id=1 conn_cur=x server_key=game1"))
                .contains(new Entry("r3", 5, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()));
    }

    @Test
    void readsTheAnswerForOneKey() {
        // HAProxy 2.6.12: "show table be_game key r1"
        String found = """
                # table: be_game, type: string, size:1048576, used:5
                0x7fda5404ca90: key=r1 use=0 exp=1796903 server_id=1 server_key=game1

                """;
        String[] lines = found.split("\n", -1);

        assertThat(ShowTable.entry(lines[1]))
                .contains(new Entry("r1", 1796903, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()));
    }

    @Test
    void aKeyNotInTheTableAnswersABlankLineAndAnUnknownTableAnError() {
        // HAProxy 2.6.12: "show table be_game key nope" answers "\n"; "show table nosuch" answers "No such table\n\n"
        assertThat(ShowTable.kind("")).isEqualTo(LineKind.BLANK);
        assertThat(ShowTable.kind("No such table")).isEqualTo(LineKind.ERROR);
        assertThat(ShowTable.kind("Permission denied")).isEqualTo(LineKind.ERROR);
        assertThat(ShowTable.tableName("No such table")).isEmpty();
    }

    @Test
    void readsFieldsByNameAsNewerVersionsAddThem() {
        // HAProxy 2.9 and later add the shard; older ones (before 2.5) have no server_key.
        assertThat(ShowTable.entry("0x5611a3c0e0a0: key=r7 use=0 exp=29998 shard=0 server_id=2 server_key=game2"))
                .contains(new Entry("r7", 29998, OptionalInt.of(2), Optional.of("game2"), OptionalInt.empty()));
        assertThat(ShowTable.entry("0x5611a3c0e0a0: key=r8 use=1 exp=100 server_id=3"))
                .contains(new Entry("r8", 100, OptionalInt.of(3), Optional.empty(), OptionalInt.empty()));
    }

    @Test
    void skipsEntriesItCannotUse() {
        // no expiry, a non-numeric one, no server field at all, a line that is not an entry
        assertThat(ShowTable.entry("0x1: key=r1 use=0 server_id=1 server_key=game1")).isEmpty();
        assertThat(ShowTable.entry("0x1: key=r1 use=0 exp=soon server_id=1 server_key=game1")).isEmpty();
        assertThat(ShowTable.entry("0x1: key=r1 use=0 exp=10 gpc0=3")).isEmpty();
        assertThat(ShowTable.entry("No such table")).isEmpty();
    }

    @Test
    void aKeyWithSpacesEndsAtTheUseField() {
        // urlp(room) is not URL-decoded, but a table may be fed by other rules: a key is read up to " use="
        assertThat(ShowTable.entry("0x1: key=a b use=0 exp=5 server_id=1 server_key=game1"))
                .contains(new Entry("a b", 5, OptionalInt.of(1), Optional.of("game1"), OptionalInt.empty()));
    }
}
