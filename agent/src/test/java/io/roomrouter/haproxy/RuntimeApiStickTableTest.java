package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeApiStickTableTest {
    private static final Duration EXPIRE = Duration.ofMinutes(30);
    // HAProxy 2.6.12's answers (see ShowTableTest)
    private static final String HEADER = "# table: be_game, type: string, size:1048576, used:2\n";

    @TempDir
    Path dir;

    private RuntimeApiStickTable table(Duration bound) {
        RuntimeApiClient client =
                new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + dir.resolve("admin.sock")), Duration.ofSeconds(1));
        Map<Integer, String> sids = Map.of(1, "game1", 2, "game2");
        return new RuntimeApiStickTable(client, (backend, id) -> Optional.ofNullable(sids.get(id)), EXPIRE, bound);
    }

    @Test
    void findsARoomAndHowLongAgoItWasJoined() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer(HEADER + "0x7fda5404ca90: key=r1 use=0 exp=1796904 server_id=1 server_key=game1\n\n");

            TableLookup found = table.find("be_game", "r1").toCompletableFuture().join();

            assertThat(found).isEqualTo(TableLookup.found(
                    new StuckRoom("r1", "game1", EXPIRE.toMillis() - 1796904, OptionalInt.empty())));
            assertThat(haproxy.commands()).containsExactly("show table be_game key r1\n");
        }
    }

    @Test
    void namesTheServerByItsIdWhenTheEntryHasNoName() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer(HEADER + "0x55a1eb4283b0: key=x1 use=0 exp=1799999 server_id=2 server_key=-\n\n");
            haproxy.answer(HEADER + "0x55a1eb4283b0: key=x2 use=0 exp=1799999 server_id=7 server_key=-\n\n");

            assertThat(table.find("be_game", "x1").toCompletableFuture().join().room()).map(StuckRoom::server)
                    .contains("game2");
            // a server id show stat does not list: no server to adopt the room on
            assertThat(table.find("be_game", "x2").toCompletableFuture().join()).isEqualTo(TableLookup.ABSENT);
        }
    }

    @Test
    void aRoomNotInTheTableIsNotFound() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer("\n");

            assertThat(table.find("be_game", "nope").toCompletableFuture().join()).isEqualTo(TableLookup.ABSENT);
            assertThat(table.counts().found()).isZero();
        }
    }

    @Test
    void aBackendWithoutATableIsNotAskedAgain() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer("No such table\n\n");

            assertThat(table.find("be_other", "r1").toCompletableFuture().join()).isEqualTo(TableLookup.ABSENT);
            assertThat(table.find("be_other", "r2").toCompletableFuture().join()).isEqualTo(TableLookup.ABSENT);
            assertThat(haproxy.commands()).containsExactly("show table be_other key r1\n");
        }
    }

    @Test
    void aSilentHaproxyCostsAJoinTheBoundAndNoMore() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock")); // never answers
                RuntimeApiStickTable table = table(Duration.ofMillis(50))) {
            long start = System.nanoTime();
            TableLookup found = table.find("be_game", "r1").toCompletableFuture().join();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(found).isEqualTo(TableLookup.NO_ANSWER);
            assertThat(millis).isBetween(45L, 1000L);
            assertThat(table.counts().late()).isEqualTo(1);
            assertThat(haproxy.commands()).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void lookupsPastTheQueueAreAnsweredAtOnceWithoutAsking() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock")); // never answers
                RuntimeApiStickTable table = table(Duration.ofSeconds(5))) {
            int asked = RuntimeApiStickTable.THREADS + RuntimeApiStickTable.QUEUED;
            for (int i = 0; i < asked; i++) {
                table.find("be_game", "r" + i);
            }
            long start = System.nanoTime();
            TableLookup refused = table.find("be_game", "one-more").toCompletableFuture().join();

            assertThat(refused).isEqualTo(TableLookup.NO_ANSWER);
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
            assertThat(table.counts().refused()).isEqualTo(1);
            assertThat(haproxy.commands()).hasSizeLessThanOrEqualTo(RuntimeApiStickTable.THREADS);
        }
    }

    @Test
    void rebuildStreamsTheWholeTableAndStopsAtItsBound() throws IOException {
        StringBuilder dump = new StringBuilder("# table: be_game, type: string, size:1048576, used:3000\n");
        for (int i = 0; i < 3000; i++) {
            dump.append("0x55a1eb4283b0: key=room-").append(i).append(" use=0 exp=").append(1_000_000 + i)
                    .append(" server_id=").append(1 + i % 2).append(i % 3 == 0 ? " server_key=-\n" : " server_key=game"
                            + (1 + i % 2) + "\n");
        }
        dump.append('\n');
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer(dump.toString());
            haproxy.answer(dump.toString());
            List<StuckRoom> rooms = new ArrayList<>();

            RuntimeApiStickTable.Rebuilt all = table.rebuild("be_game", room -> rooms.add(room) && !room.room()
                    .equals("room-7"), Duration.ofSeconds(10), 1_000_000);
            RuntimeApiStickTable.Rebuilt cut = table.rebuild("be_game", room -> true, Duration.ofSeconds(10), 100);

            assertThat(all.entries()).isEqualTo(3000);
            assertThat(all.rooms()).isEqualTo(2999);
            assertThat(all.skipped()).isEqualTo(1);
            assertThat(all.complete()).isTrue();
            assertThat(rooms).hasSize(3000);
            assertThat(rooms.get(3)).isEqualTo(new StuckRoom("room-3", "game2", EXPIRE.toMillis() - 1_000_003, OptionalInt.empty()));
            assertThat(cut.entries()).isEqualTo(100);
            assertThat(cut.complete()).isFalse();
            assertThat(haproxy.commands()).containsExactly("show table be_game\n", "show table be_game\n");
        }
    }

    @Test
    void listsTablesAndFailsOnARefusal() throws IOException {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer("""
                    # table: be_game, type: string, size:1048576, used:5
                    # table: be_other, type: ip, size:1024, used:0

                    """);
            haproxy.answer("Permission denied\n\n");

            assertThat(table.tables()).containsExactly("be_game", "be_other");
            assertThatThrownBy(table::tables).isInstanceOf(IOException.class).hasMessageContaining("Permission denied");
        }
    }

    @Test
    void forgetClearsTheRoomsEntryInTheBackground() throws Exception {
        try (OneCommandServer haproxy = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiStickTable table = table(Duration.ofSeconds(2))) {
            haproxy.answer("\n");

            table.forget("be_game", "r1");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (table.counts().cleared() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(haproxy.commands()).containsExactly("clear table be_game key r1\n");
            assertThat(table.counts().cleared()).isEqualTo(1);
        }
    }
}
