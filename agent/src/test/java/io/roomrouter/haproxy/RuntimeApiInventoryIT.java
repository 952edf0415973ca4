package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.HaproxyBinary;
import io.roomrouter.kit.LoggedProcess;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory against a real HAProxy: the servers it reads, and how it follows runtime API commands. The tests
 * share one HAProxy and run in order; the last one kills it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeApiInventoryIT {
    private static final int DEFAULT_CAPACITY = 25;
    private static final Duration REFRESH = Duration.ofMillis(100);
    /** Many refreshes: a change must show within it. */
    private static final Duration FOLLOW = Duration.ofSeconds(3);

    @TempDir
    static Path dir;

    private static LoggedProcess haproxy;
    private static int tcpStatsPort;
    private static int tcpFrontendPort;
    private static int addedServerPort;
    private static ServerSocket tcpServer;
    private static RuntimeApiClient client;
    private static RuntimeApiInventory inventory;

    @BeforeAll
    static void startHaproxy() throws Exception {
        tcpStatsPort = FreePort.pick();
        tcpFrontendPort = FreePort.pick();
        addedServerPort = FreePort.pick();
        // A real server for be_tcp, so that HAProxy counts live connections on it.
        tcpServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(RuntimeApiInventoryIT::acceptForever, "it-tcp-server");
        acceptor.setDaemon(true);
        acceptor.start();

        Path socket = dir.resolve("admin.sock");
        String config = String.join(
                "\n",
                "global",
                "  stats socket " + socket + " mode 600 level admin",
                "  stats socket 127.0.0.1:" + tcpStatsPort + " level admin",
                "defaults",
                "  timeout connect 1s",
                "  timeout client 30s",
                "  timeout server 30s",
                "frontend fe_tcp",
                "  mode tcp",
                "  bind 127.0.0.1:" + tcpFrontendPort,
                "  default_backend be_tcp",
                "backend be_tcp",
                "  mode tcp",
                "  server tcp1 127.0.0.1:" + tcpServer.getLocalPort(),
                "backend be_game",
                "  mode http",
                "  balance url_param room",
                "  hash-type consistent",
                "  server game1 127.0.0.1:" + FreePort.pick() + " maxconn 50",
                "  server game2 127.0.0.1:" + FreePort.pick() + " maxconn 50",
                "  server game3 127.0.0.1:" + FreePort.pick(),
                "");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config, StandardCharsets.UTF_8);
        haproxy = LoggedProcess.start("haproxy",
                new ProcessBuilder(HaproxyBinary.configured().command(List.of("-f", cfg.toString(), "-db"))),
                dir.resolve("haproxy.log"));

        client = new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + socket));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!haproxy.isAlive()) {
                throw new IllegalStateException("haproxy exited:\n" + haproxy.tail() + "\nconfig:\n" + config);
            }
            try {
                client.execute("show info");
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("haproxy's runtime API did not answer within 10 s", e);
                }
                Thread.sleep(50);
            }
        }
        inventory = new RuntimeApiInventory(RuntimeApiAddress.parse("unix:" + socket), DEFAULT_CAPACITY, REFRESH);
    }

    @AfterAll
    static void stopHaproxy() throws Exception {
        if (inventory != null) {
            inventory.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
        if (tcpServer != null) {
            tcpServer.close();
        }
    }

    @Test
    @Order(1)
    void readsEveryServerAtStart() {
        long before = System.currentTimeMillis();

        assertThat(inventory.start()).isTrue();

        BackendSnapshot game = inventory.backend("be_game").orElseThrow();
        assertThat(game.servers())
                .containsExactly(
                        new ServerStatus("game1", ServerState.UP, 50, 0),
                        new ServerStatus("game2", ServerState.UP, 50, 0),
                        new ServerStatus("game3", ServerState.UP, DEFAULT_CAPACITY, 0));
        assertThat(game.takenAtMillis()).isBetween(before, System.currentTimeMillis());
        assertThat(inventory.backends()).extracting(BackendSnapshot::backend)
                .containsExactlyInAnyOrder("be_game", "be_tcp");
        assertThat(inventory.backend("fe_tcp")).isEmpty();
    }

    @Test
    @Order(2)
    void readsOverTcpToo() {
        try (RuntimeApiInventory overTcp = new RuntimeApiInventory(
                RuntimeApiAddress.parse("127.0.0.1:" + tcpStatsPort), DEFAULT_CAPACITY, REFRESH)) {
            assertThat(overTcp.start()).isTrue();

            assertThat(overTcp.backend("be_game").orElseThrow().servers())
                    .isEqualTo(inventory.backend("be_game").orElseThrow().servers());
        }
    }

    @Test
    @Order(3)
    void countsLiveConnections() throws Exception {
        List<Socket> players = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                players.add(new Socket(InetAddress.getLoopbackAddress(), tcpFrontendPort));
            }
            eventually(() -> assertThat(server("be_tcp", "tcp1")).map(ServerStatus::liveConnections).contains(3));
        } finally {
            for (Socket player : players) {
                player.close();
            }
        }
        eventually(() -> assertThat(server("be_tcp", "tcp1")).map(ServerStatus::liveConnections).contains(0));
    }

    @Test
    @Order(4)
    void followsMaintDrainAndReady() throws Exception {
        command("set server be_game/game1 state maint");
        eventually(() -> assertThat(state("game1")).contains(ServerState.MAINT));

        command("set server be_game/game1 state drain");
        eventually(() -> assertThat(state("game1")).contains(ServerState.DRAIN));
        // What HAProxy 2.6 itself writes for a drained server.
        assertThat(ShowStat.parse(client.execute("show stat")).get("be_game").get(0).status()).isEqualTo("DRAIN");

        command("set server be_game/game1 state ready");
        eventually(() -> assertThat(state("game1")).contains(ServerState.UP));
    }

    @Test
    @Order(5)
    void followsMaxconnSetAtRuntime() throws Exception {
        command("set maxconn server be_game/game2 70");

        eventually(() -> assertThat(server("be_game", "game2")).map(ServerStatus::capacity).contains(70));
    }

    @Test
    @Order(6)
    void followsServersAddedAtRuntime() throws Exception {
        assertThat(client.execute("add server be_game/game4 127.0.0.1:" + addedServerPort))
                .contains("New server registered.");
        // HAProxy starts a server added at runtime in maintenance.
        eventually(() -> assertThat(server("be_game", "game4"))
                .contains(new ServerStatus("game4", ServerState.MAINT, DEFAULT_CAPACITY, 0)));

        command("enable server be_game/game4");

        eventually(() -> assertThat(state("game4")).contains(ServerState.UP));
    }

    @Test
    @Order(7)
    void keepsServingTheLastSnapshotWhenHaproxyIsGone() throws Exception {
        long failedBefore = inventory.failedReads();
        haproxy.kill();
        assertThat(haproxy.isAlive()).isFalse();
        assertThatThrownBy(() -> client.execute("show stat")).isInstanceOf(IOException.class);
        // Refreshes run one after another: once one has failed, none still under way can bring a newer snapshot.
        eventually(() -> assertThat(inventory.failedReads()).isGreaterThan(failedBefore));
        BackendSnapshot last = inventory.backend("be_game").orElseThrow();
        long failedThen = inventory.failedReads();

        eventually(() -> assertThat(inventory.failedReads()).isGreaterThanOrEqualTo(failedThen + 5));

        assertThat(inventory.backend("be_game")).containsSame(last);
        assertThat(last.servers()).extracting(ServerStatus::name).containsExactly("game1", "game2", "game3", "game4");
        assertThatThrownBy(inventory::refresh).isInstanceOf(IOException.class);
        assertThat(inventory.backend("be_game")).containsSame(last);
    }

    private static void command(String command) throws IOException {
        // HAProxy answers a state change it accepts with an empty line, and one it refuses with why.
        assertThat(client.execute(command)).as(command).isBlank();
    }

    private static Optional<ServerState> state(String server) {
        return server("be_game", server).map(ServerStatus::state);
    }

    private static Optional<ServerStatus> server(String backend, String server) {
        return inventory.backend(backend).flatMap(snapshot -> snapshot.server(server));
    }

    private static void eventually(Runnable assertion) throws InterruptedException {
        long deadline = System.nanoTime() + FOLLOW.toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(REFRESH.toMillis() / 2);
            }
        }
    }

    /** Holds each connection until HAProxy closes it, then closes its side, as a game server would. */
    private static void acceptForever() {
        while (!tcpServer.isClosed()) {
            try {
                Socket connection = tcpServer.accept();
                Thread holder = new Thread(() -> holdUntilClosed(connection), "it-tcp-connection");
                holder.setDaemon(true);
                holder.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void holdUntilClosed(Socket connection) {
        try (connection) {
            while (connection.getInputStream().read() >= 0) {
                // the test sends nothing; this only waits for the end of the stream
            }
        } catch (IOException e) {
            // the connection is gone either way
        }
    }
}
