package io.roomrouter.bench;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HaproxyProcess;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.Player;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The soak (issue 12, item 7): many WebSocket players held through the reference HAProxy and the agent (memory
 * store, as shipped, through the launcher) for a long time, with rooms opening and ending all along; each room's
 * 10 players join at once, stay {@code bench.soakRoomSeconds}, leave, and the room is released over the admin
 * endpoint, as a game server does when a match ends. Every {@code bench.soakSampleSeconds} it prints the agent's
 * heap after a full GC, its RSS and open file descriptors, HAProxy's RSS and descriptors, the players held and
 * every refused join and split room so far: these must stay flat once the player count is reached.
 *
 * <p>Not in CI: {@code ./bench.sh -Dbench.suites=soak} (8 000 players, 30 minutes; -Dbench.soakPlayers,
 * -Dbench.soakMinutes). Each player is a blocking socket held open, no thread; with the three game servers in this
 * JVM too, 8 000 players take about 16 000 descriptors here and 16 000 in HAProxy (the limit here is 20 000 each).
 */
final class SoakBench {
    private static final String BACKEND = "be_game";
    private static final int ROOM_SIZE = 10;
    private static final int SERVERS = 3;

    private final BenchSettings settings;
    private final Results results;
    private final HttpClient http = HttpClient.newHttpClient();

    SoakBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    /** One room while it lives: its players, held open, and when it ends. */
    private record LiveRoom(String id, long endsAtNanos, List<Player> players) {}

    /** One sample of the run, printed as it is taken. */
    private record Sample(long second, int players, int rooms, long joins, long refused, long split,
            long agentHeap, ProcessFootprint agent, ProcessFootprint haproxy) {

        String line() {
            return String.format(Locale.ROOT, "soak t=%ds players=%d rooms=%d joins=%d refused=%d split=%d"
                    + " | agent heap after full GC %.1f MB, RSS %.1f MB, fds %d | haproxy RSS %.1f MB, fds %d",
                    second, players, rooms, joins, refused, split, mb(agentHeap), mb(agent.rssBytes()),
                    agent.openFiles(), mb(haproxy.rssBytes()), haproxy.openFiles());
        }
    }

    void run() throws Exception {
        int players = settings.soakPlayers();
        Duration length = settings.soakDuration();
        Duration roomLife = settings.soakRoomLife();
        // Room for every player plus the seats that new rooms hold while they fill.
        int perServer = (int) Math.ceil(players * 1.25 / SERVERS);
        Path work = settings.outDir().resolve("soak");
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<GameServer> backends = new ArrayList<>();
        int adminPort = FreePort.pick();
        try {
            Map<String, String> env = new HashMap<>();
            for (int i = 1; i <= SERVERS; i++) {
                GameServer backend = GameServer.start("game" + i, group);
                backends.add(backend);
                env.put("RR_GAME" + i + "_ADDR", HostPort.format(backend.address()));
            }
            env.put("RR_PEER1_ADDR", "127.0.0.1:" + FreePort.pick());
            try (AgentProcess agent = settings.startAgent("soak-agent", List.of(), List.of("--haproxy-api",
                    "unix:" + BenchSettings.haproxySocket("soak"), "--admin", "127.0.0.1:" + adminPort))) {
                env.put("RR_AGENT_ADDR", "127.0.0.1:" + agent.listen().getPort());
                try (HaproxyProcess haproxy = HaproxyProcess.startLoggingToFile(
                        settings.haproxyDir().resolve("haproxy.cfg"), env, BenchSettings.haproxySocket("soak"),
                        work.resolve("soak.log"))) {
                    for (int i = 1; i <= SERVERS; i++) {
                        haproxy.runtimeApi().execute("set maxconn server " + BACKEND + "/game" + i + " " + perServer);
                    }
                    Thread.sleep(2_500); // the agent's first reads of the runtime API see the new maxconn
                    List<Sample> samples = play(agent, haproxy, adminPort, players, length, roomLife);
                    report(samples, players, length, roomLife);
                }
            }
        } finally {
            backends.forEach(GameServer::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private List<Sample> play(AgentProcess agent, HaproxyProcess haproxy, int adminPort, int players, Duration length,
            Duration roomLife) throws Exception {
        double roomsPerSecond = players / (double) ROOM_SIZE / roomLife.toSeconds();
        long sampleEvery = settings.soakSampleEvery().toNanos();
        ArrayDeque<LiveRoom> live = new ArrayDeque<>();
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long nextSample = start + sampleEvery;
        long opened = 0;
        long joins = 0;
        long refused = 0;
        long split = 0;
        int held = 0;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            long due = (long) ((now - start) / 1e9 * roomsPerSecond);
            while (opened < due) {
                String room = "soak" + opened++;
                List<Player> in = new ArrayList<>(ROOM_SIZE);
                Set<String> servers = new HashSet<>();
                for (int p = 0; p < ROOM_SIZE; p++) {
                    Player player = Player.joinOrRefused(haproxy.frontend(), room, "p" + p,
                            BenchSettings.JOIN_TIMEOUT);
                    joins++;
                    if (player.server().isPresent()) {
                        in.add(player);
                        servers.add(player.server().get());
                    } else {
                        refused++;
                    }
                }
                split += servers.size() > 1 ? 1 : 0;
                held += in.size();
                live.add(new LiveRoom(room, System.nanoTime() + roomLife.toNanos(), in));
            }
            while (!live.isEmpty() && live.peek().endsAtNanos() <= now) {
                LiveRoom room = live.poll();
                room.players().forEach(Player::close);
                held -= room.players().size();
                release(adminPort, room.id());
            }
            if (now >= nextSample) {
                Sample sample = new Sample((now - start) / 1_000_000_000L, held, live.size(), joins, refused, split,
                        agent.liveHeapBytes(), ProcessFootprint.of(agent.pid()), ProcessFootprint.of(haproxy.pid()));
                System.out.println(sample.line());
                samples.add(sample);
                nextSample += sampleEvery;
            }
            Thread.sleep(10);
        }
        live.forEach(room -> room.players().forEach(Player::close));
        return samples;
    }

    private void release(int adminPort, String room) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + adminPort + "/release?backend=" + BACKEND + "&room=" + room);
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() != 200 && reply.statusCode() != 404) {
            throw new IOException("release " + room + ": HTTP " + reply.statusCode() + " " + reply.body());
        }
    }

    private void report(List<Sample> samples, int players, Duration length, Duration roomLife) {
        String how = String.format(Locale.ROOT, "%d players in rooms of %d living %ds, %d min, memory store",
                players, ROOM_SIZE, roomLife.toSeconds(), length.toMinutes());
        if (samples.size() < 4) {
            results.add(Figure.missing("soak.agent.heap_growth", "MB", "flat", "fewer than 4 samples: " + how));
            return;
        }
        // Flat at the end: the second half of the run, once the JVM's heap has grown to its working size (the RSS
        // grows for some minutes as G1 sizes the heap, then stays).
        Sample first = samples.get(samples.size() / 2);
        Sample last = samples.get(samples.size() - 1);
        results.add(new Figure("soak.players_held", last.players(), "players", Integer.toString(players), how));
        results.add(new Figure("soak.joins_refused", last.refused(), "joins", "0", "of " + last.joins() + " joins"));
        results.add(new Figure("soak.rooms_split", last.split(), "rooms", "0", how));
        results.add(new Figure("soak.agent.live_heap_mb.half_way", mb(first.agentHeap()), "MB", "",
                "after a full GC (jcmd GC.run), at t=" + first.second() + "s"));
        results.add(new Figure("soak.agent.live_heap_mb.last", mb(last.agentHeap()), "MB", "flat",
                "after a full GC, at t=" + last.second() + "s"));
        results.add(new Figure("soak.agent.rss_mb.growth", mb(last.agent().rssBytes() - first.agent().rssBytes()),
                "MB", "flat", "RSS at t=" + last.second() + "s minus at t=" + first.second() + "s"));
        results.add(new Figure("soak.agent.fds.growth", last.agent().openFiles() - first.agent().openFiles(),
                "fds", "0", "open descriptors, same two samples"));
        results.add(new Figure("soak.haproxy.rss_mb.growth",
                mb(last.haproxy().rssBytes() - first.haproxy().rssBytes()), "MB", "flat", "same two samples"));
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
