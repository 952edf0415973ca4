package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's status page ({@code GET /} on the admin endpoint) in a real headless browser, Debian's chromium, over
 * the whole stack: the page polls {@code /status.json} and draws one bar per server; once rooms are placed and their
 * players connected, the bars show them. Saves a screenshot as {@code target/status-page.png}.
 */
class StatusPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern SERVER_ROW = Pattern.compile(
            "<div class=\"server\" data-server=\"([^\"]+)\" data-state=\"([A-Z]+)\" data-live=\"(\\d+)\""
                    + " data-held=\"(\\d+)\" data-capacity=\"(\\d+)\" data-rooms=\"(\\d*)\">"
                    + ".*?<div class=\"live\" style=\"width: ([0-9.]+)%;\"></div>"
                    + "<div class=\"held\" style=\"width: ([0-9.]+)%;\"></div>");

    /** One server's row as the page drew it. */
    record Row(String state, int live, int held, int capacity, int rooms, double liveWidth, double heldWidth) {}

    @Test
    void barsShowThePlayersAndSeatsOfRoomsAsTheyArePlaced(TestInfo test, @TempDir Path profile) throws Exception {
        assertThat(Files.isExecutable(CHROMIUM)).as("chromium (apt-get install chromium)").isTrue();
        InetSocketAddress admin = FreePort.next();
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .agentArgs("--admin", "127.0.0.1:" + admin.getPort())
                        .start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            String page = "http://127.0.0.1:" + admin.getPort() + "/";

            Map<String, Row> before = rows(dumpDom(page, profile.resolve("before")));
            TestLogs.report(test, "before: " + before);
            assertThat(before).containsOnlyKeys("game1", "game2", "game3");
            assertThat(before.values()).allSatisfy(row -> {
                assertThat(row.state()).isEqualTo("UP");
                assertThat(row.live()).isZero();
                assertThat(row.held()).isZero();
                assertThat(row.rooms()).isZero();
                assertThat(row.liveWidth()).isZero();
            });

            List<Join> joins = new ArrayList<>();
            for (int room = 1; room <= 6; room++) {
                joins.addAll(Join.room("page" + room, 1, 3));
            }
            List<Player> players = crowd.join(joins, Crowd.Presence.STAY);
            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            stack.awaitInventoryRefresh(); // HAProxy's counters show the players to the agent

            String after = dumpDom(page, profile.resolve("after"));
            Map<String, Row> rows = rows(after);
            TestLogs.report(test, "after 6 rooms of 3 players: " + rows);
            assertThat(rows.values().stream().mapToInt(Row::rooms).sum()).isEqualTo(6);
            assertThat(rows.values().stream().mapToInt(Row::live).sum()).isEqualTo(18);
            assertThat(rows.values()).allSatisfy(row -> {
                // every room's players are on its server: a server with rooms has their players live on it
                assertThat(row.live()).isEqualTo(3 * row.rooms());
                if (row.rooms() > 0) {
                    assertThat(row.liveWidth()).isPositive();
                }
                assertThat(row.liveWidth()).isCloseTo(100.0 * row.live()
                        / Math.max(row.capacity(), row.live() + row.held()), org.assertj.core.data.Offset.offset(0.01));
            });
            assertThat(after).contains("page6").contains("least-loaded").contains("d-placed");

            Path screenshot = Path.of("target", "status-page.png").toAbsolutePath();
            // The same virtual time as the DOM reads: the shot waits for the page's first poll, not just its markup.
            chromium(profile.resolve("shot"), "--virtual-time-budget=3000", "--screenshot=" + screenshot,
                    "--window-size=1200,800", page);
            assertThat(screenshot).exists();
            byte[] png = Files.readAllBytes(screenshot);
            assertThat(png.length).isGreaterThan(10_000);
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
            TestLogs.report(test, "screenshot " + screenshot + " (" + png.length + " bytes)");
        }
    }

    /** The server rows of the game backend's section (the page shows the agent's own backend too). */
    private static Map<String, Row> rows(String dom) {
        int start = dom.indexOf("<section data-backend=\"" + Stack.GAME_BACKEND + "\">");
        assertThat(start).as("the game backend's section in the page's DOM:%n%s", dom).isNotNegative();
        String section = dom.substring(start, dom.indexOf("</section>", start));
        Map<String, Row> rows = new HashMap<>();
        Matcher row = SERVER_ROW.matcher(section);
        while (row.find()) {
            rows.put(row.group(1), new Row(row.group(2), Integer.parseInt(row.group(3)),
                    Integer.parseInt(row.group(4)), Integer.parseInt(row.group(5)),
                    row.group(6).isEmpty() ? -1 : Integer.parseInt(row.group(6)),
                    Double.parseDouble(row.group(7)), Double.parseDouble(row.group(8))));
        }
        assertThat(rows).as("server rows in the page's DOM:%n%s", dom).isNotEmpty();
        return rows;
    }

    /** The page's DOM after its script has run for a few seconds of virtual time. */
    private static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
        return chromium(profile, "--virtual-time-budget=3000", "--dump-dom", url);
    }

    /**
     * Runs headless chromium once with a fresh profile; its standard output. The flags that keep it off the network
     * matter: on a closed network its background services otherwise keep it from exiting.
     */
    private static String chromium(Path profile, String... args) throws IOException, InterruptedException {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Path out = profile.resolve("stdout.html");
        Path err = profile.resolve("stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("HOME", profile.toString());
        Process process = builder.start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium done within 60 s; %s",
                    String.join(" ", command)).isTrue();
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(process.exitValue()).as("chromium's exit, stderr:%n%s", Files.readString(err)).isZero();
        return Files.readString(out);
    }
}
