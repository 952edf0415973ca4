package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeApiInventoryTest {
    /** Long enough that no background refresh runs during a test: each one reads on the test thread. */
    private static final Duration NO_BACKGROUND = Duration.ofHours(1);

    @TempDir
    Path dir;

    private RuntimeApiInventory inventory(String socket, int defaultCapacity) {
        return new RuntimeApiInventory(
                RuntimeApiAddress.parse("unix:" + dir.resolve(socket)), defaultCapacity, NO_BACKGROUND);
    }

    @Test
    void startReadsEveryBackendGivingServersWithoutMaxconnTheDefaultCapacity() throws IOException {
        try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiInventory inventory = inventory("admin.sock", 30)) {
            server.answer(Fixtures.showStat("live-connections"));
            long before = System.currentTimeMillis();

            assertThat(inventory.start()).isTrue();

            BackendSnapshot game = inventory.backend("be_game").orElseThrow();
            assertThat(game.servers())
                    .containsExactly(
                            new ServerStatus("game1", ServerState.UP, 50, 5),
                            new ServerStatus("game2", ServerState.DRAIN, 50, 5),
                            new ServerStatus("game3", ServerState.UP, 70, 2),
                            new ServerStatus("game4", ServerState.MAINT, 30, 0),
                            new ServerStatus("game5", ServerState.UP, 20, 0));
            assertThat(game.takenAtMillis()).isBetween(before, System.currentTimeMillis());
            assertThat(inventory.backend("be_checked").orElseThrow().servers())
                    .extracting(ServerStatus::state)
                    .containsExactly(ServerState.UP, ServerState.DOWN, ServerState.UP, ServerState.UP);
            assertThat(inventory.backends()).extracting(BackendSnapshot::backend)
                    .containsExactlyInAnyOrder("be_game", "be_checked");
            assertThat(inventory.backend("fe")).isEmpty();
            assertThat(server.commands()).containsExactly("show stat\n");
        }
    }

    @Test
    void followsChangesAndKeepsTheLastSnapshotWhileHaproxyCannotBeRead() throws IOException {
        try (RuntimeApiInventory inventory = inventory("admin.sock", 30)) {
            try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"))) {
                server.answer(Fixtures.showStat("transitions"));
                server.answer(Fixtures.showStat("maint-via"));
                assertThat(inventory.start()).isTrue();
                assertThat(states(inventory, "be_game"))
                        .containsExactly(ServerState.DRAIN, ServerState.MAINT, ServerState.UP, ServerState.MAINT);
                assertThat(states(inventory, "be_checked"))
                        .containsExactly(ServerState.UP, ServerState.DOWN, ServerState.UP, ServerState.UP);

                inventory.refresh();

                assertThat(states(inventory, "be_game"))
                        .containsExactly(ServerState.UP, ServerState.MAINT, ServerState.UP, ServerState.UP);
                assertThat(states(inventory, "be_checked"))
                        .containsExactly(ServerState.MAINT, ServerState.UP, ServerState.MAINT, ServerState.UP);
            }
            Map<String, BackendSnapshot> last = Map.of(
                    "be_game", inventory.backend("be_game").orElseThrow(),
                    "be_checked", inventory.backend("be_checked").orElseThrow());

            assertThatThrownBy(inventory::refresh)
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("runtime API unix:" + dir.resolve("admin.sock") + ": 'show stat' failed: ");
            assertThat(inventory.backend("be_game")).contains(last.get("be_game"));
            assertThat(inventory.backend("be_checked")).contains(last.get("be_checked"));
        }
    }

    @Test
    void startSaysWhenHaproxyCannotBeReadAndServesNothing() {
        try (RuntimeApiInventory inventory = inventory("missing.sock", 30)) {
            assertThat(inventory.start()).isFalse();

            assertThat(inventory.backends()).isEmpty();
            assertThatThrownBy(inventory::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anAnswerThatIsNotTheCsvFailsTheRefresh() throws IOException {
        try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiInventory inventory = inventory("admin.sock", 30)) {
            server.answer("Permission denied\n\n");

            assertThatThrownBy(inventory::refresh)
                    .isInstanceOf(IOException.class)
                    .hasMessage("runtime API unix:" + dir.resolve("admin.sock") + ": unusable answer: show stat: answer"
                            + " starts with 'Permission denied' (expected: '# pxname,svname,...')");
            assertThat(inventory.backends()).isEmpty();
        }
    }

    @Test
    void takesAnUnknownStatusAsDown() {
        try (RuntimeApiInventory inventory = inventory("admin.sock", 30)) {
            Map<String, BackendSnapshot> snapshots = inventory.toSnapshots(
                    Map.of("be", List.of(
                            new ShowStat.ServerRow("be", "s1", "HALF-UP", 3, OptionalInt.empty()),
                            new ShowStat.ServerRow("be", "s2", "UP", 1, OptionalInt.of(9)))),
                    1234L);

            assertThat(snapshots.get("be"))
                    .isEqualTo(new BackendSnapshot(
                            "be",
                            List.of(new ServerStatus("s1", ServerState.DOWN, 30, 3), new ServerStatus("s2", ServerState.UP, 9, 1)),
                            1234L));
        }
    }

    @Test
    void describesItself() {
        try (RuntimeApiInventory inventory = new RuntimeApiInventory(
                RuntimeApiAddress.parse("127.0.0.1:9999"), 100, Duration.ofMillis(500))) {
            assertThat(inventory.describe())
                    .isEqualTo("runtime-api 127.0.0.1:9999 (refresh every 500 ms, default capacity 100)");
        }
    }

    @Test
    void rejectsBadSettings() {
        RuntimeApiAddress address = RuntimeApiAddress.parse("127.0.0.1:9999");
        assertThatThrownBy(() -> new RuntimeApiInventory(address, 0, Duration.ofSeconds(1)))
                .hasMessage("defaultCapacity: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new RuntimeApiInventory(address, 1, Duration.ZERO))
                .hasMessage("refreshInterval: PT0S (expected: >= 1ms)");
    }

    private static List<ServerState> states(RuntimeApiInventory inventory, String backend) {
        return inventory.backend(backend).orElseThrow().servers().stream().map(ServerStatus::state).toList();
    }

    @Test
    void isStaleBeforeItsFirstReadAndWhenReadsStop() throws IOException {
        try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"));
                RuntimeApiInventory inventory = inventory("admin.sock", 30)) {
            assertThat(inventory.stale()).hasValueSatisfying(why -> assertThat(why).endsWith("not read yet"));
            server.answer(Fixtures.showStat("live-connections"));
            inventory.refresh();
            long readAt = System.nanoTime();

            assertThat(inventory.stale()).isEmpty();
            // NO_BACKGROUND is an hour: stale after three missed refreshes, so three hours on.
            assertThat(inventory.stale(readAt + Duration.ofHours(3).toNanos() - 1_000_000_000L)).isEmpty();
            assertThat(inventory.stale(readAt + Duration.ofHours(3).toNanos() + 1_000_000_000L))
                    .hasValueSatisfying(why -> assertThat(why).matches("runtime API .* last read 108\\d{5} ms ago"));
        }
    }
}
