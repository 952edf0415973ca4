package io.roomrouter.bench;

import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HaproxyProcess;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.Player;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Part 4, placement quality against HAProxy alone: one scripted workload through the real HAProxy under three
 * configurations, all generated from the reference {@code haproxy/haproxy.cfg} so that everything but balancing is
 * equal: {@code balance leastconn} with an insert cookie, {@code balance url_param room} with
 * {@code hash-type consistent} and {@code hash-balance-factor 125} (both without the SPOE filter), and the reference
 * file itself with the room-router agent.
 *
 * <p>The workload: one room arrives per step; each room gains {@value #PLAYERS_PER_STEP} players a step until it
 * holds {@value #ROOM_SIZE} (each player a WebSocket held open: a seat); a room ends {@value #LIFETIME_STEPS} steps
 * after it arrived. Three servers of maxconn 100 hold 30 such rooms, while up to 36 are live: servers fill up. A
 * third of the way in, a fourth server is added through the runtime API; two thirds in, game2 fails (its process
 * drops every connection; its players rejoin at the next step, once HAProxy's checks mark it DOWN). Between the
 * two, one player of every room placed before the scale-out reconnects each step, which is what shows rooms moved.
 *
 * <p>room-router is run as a game platform integrates it: when a room ends, its game server releases it
 * ({@code POST /release} on the agent's admin endpoint), and the reservation window is scaled to this compressed
 * time line ({@value #RESERVATION_WINDOW}: a room fills in half a second here, where a real matchmaker takes
 * seconds to a minute, hence the 60 s default). HAProxy alone needs neither.
 */
final class PlacementBench {
    static final int ROOM_SIZE = 10;
    static final int PLAYERS_PER_STEP = 2;
    static final int LIFETIME_STEPS = 36;
    private static final long STEP_MILLIS = 100;
    private static final String FAILING = "game2";
    private static final String RESERVATION_WINDOW = "2s";

    private final BenchSettings settings;
    private final Results results;

    PlacementBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    /**
     * The configurations compared: {@link PlacementBench} runs the first three; {@link PlacementCurveThroughHaproxy}
     * adds {@code leastconn} with the reference config's {@code stick on urlp(room)}, HAProxy alone keeping rooms
     * together the best way it can (the room's first player by {@code leastconn}, the others to its server).
     */
    enum Setup {
        LEASTCONN_COOKIE("leastconn-cookie"),
        HASH_BOUNDED("url_param-consistent-hbf125"),
        ROOM_ROUTER("room-router"),
        LEASTCONN_STICK_ROOM("leastconn-stick-room");

        final String label;

        Setup(String label) {
            this.label = label;
        }
    }

    /** What one configuration did with the workload. */
    record Outcome(int rooms, int split, double maxOverMean, int roomsMovedOnAdd, int roomsSeenAcrossAdd,
            int newRoomsRefused, int playersRefused, int joins) {}

    void run() throws Exception {
        Path reference = settings.haproxyDir().resolve("haproxy.cfg");
        for (Setup setup : List.of(Setup.LEASTCONN_COOKIE, Setup.HASH_BOUNDED, Setup.ROOM_ROUTER)) {
            String prefix = "placement." + setup.label + ".";
            if (!Files.exists(reference)) {
                String why = "no reference config at " + reference + " (the e2e work has not landed on main)";
                for (String figure : List.of("rooms_split", "max_load_over_mean", "rooms_moved_on_scale_out",
                        "new_rooms_refused")) {
                    results.add(Figure.missing(prefix + figure, "", "", why));
                }
                continue;
            }
            Outcome o = simulate(setup);
            boolean rr = setup == Setup.ROOM_ROUTER;
            String how = String.format(Locale.ROOT, "%d rooms of %d, %d joins", o.rooms(), ROOM_SIZE, o.joins());
            results.add(new Figure(prefix + "rooms_split", o.split(), "rooms", rr ? "0" : "",
                    how + "; a room with live players on two servers at once"));
            results.add(new Figure(prefix + "max_load_over_mean", o.maxOverMean(), "x", "",
                    "players on the busiest server / mean over up servers, averaged over steps >= half full"));
            results.add(new Figure(prefix + "rooms_moved_on_scale_out", o.roomsMovedOnAdd(), "rooms", rr ? "0" : "",
                    "of " + o.roomsSeenAcrossAdd() + " rooms joined before and after game4 was added"));
            results.add(new Figure(prefix + "new_rooms_refused", o.newRoomsRefused(), "rooms", "",
                    "first join refused (503, or no answer in 500 ms: queued behind maxconn); players refused: "
                            + o.playersRefused()));
        }
    }

    private Outcome simulate(Setup setup) throws Exception {
        try (PlacementStack stack = PlacementStack.start(settings, setup, "placement-" + setup.label, 3, 1,
                List.of("--reservation-window", RESERVATION_WINDOW))) {
            return new Workload(stack.haproxy(), stack.backends(), stack::release).play();
        }
    }

    /**
     * The reference config turned into one of HAProxy's own balancing setups (no SPOE filter). The leastconn-cookie
     * and hash setups also lose the reference's {@code stick on urlp(room)}, which stores the agent's choice: with
     * it, every player after a room's first would follow the first whatever the balancing, and each player is to be
     * balanced on its own, as the curve's models are ({@link LeastConnModel}, {@link BoundedHashModel}); the
     * stick table stays (its {@code track-sc0} counts players). {@link Setup#LEASTCONN_STICK_ROOM} keeps it.
     */
    static String configFor(Setup setup, String reference) {
        if (setup == Setup.ROOM_ROUTER) {
            throw new IllegalArgumentException("room-router runs the reference config itself");
        }
        String base = HaproxyBench.withoutSpoe(reference);
        boolean leastconn = setup != Setup.HASH_BOUNDED;
        StringBuilder out = new StringBuilder();
        int changed = 0;
        for (String line : base.split("\n", -1)) {
            String trimmed = line.trim();
            if (leastconn && trimmed.equals("balance url_param room")) {
                out.append("    balance leastconn\n    cookie SRV insert indirect nocache\n");
                changed++;
            } else if (leastconn && trimmed.startsWith("server game")) {
                out.append(line).append(" cookie ").append(trimmed.split("\\s+", -1)[1]).append('\n');
            } else if (trimmed.equals("hash-type consistent")) {
                if (!leastconn) {
                    out.append(line).append("\n    hash-balance-factor 125\n");
                }
                changed++;
            } else if (trimmed.equals("stick on urlp(room)")) {
                if (setup == Setup.LEASTCONN_STICK_ROOM) {
                    out.append(line).append('\n');
                }
                changed++;
            } else {
                out.append(line).append('\n');
            }
        }
        if (changed != (leastconn ? 3 : 2)) {
            throw new IllegalArgumentException("haproxy.cfg: no 'balance url_param room', 'hash-type consistent' or "
                    + "'stick on urlp(room)' (expected: the reference config)");
        }
        return out.toString();
    }

    /** One room of the workload. */
    private static final class Room {
        final String id;
        final int arrivedAt;
        final List<Player> players = new ArrayList<>();
        final Set<String> serversBeforeAdd = new HashSet<>();
        int attempts;
        int rejoins;
        boolean split;
        boolean movedOnAdd;
        boolean joinedAfterAdd;

        Room(String id, int arrivedAt) {
            this.id = id;
            this.arrivedAt = arrivedAt;
        }
    }

    /** Plays the scripted workload against one running HAProxy. */
    private final class Workload {
        private final HaproxyProcess haproxy;
        private final Map<String, GameServer> backends;
        private final Consumer<String> roomEnded;
        private final Set<String> upServers = new HashSet<>(List.of("game1", "game2", "game3"));
        private final int roomCount = settings.placementRooms();
        private final int addAt = roomCount / 3;
        private final int failAt = 2 * roomCount / 3;
        private int refusedRooms;
        private int refusedPlayers;
        private int joins;
        private double sumRatio;
        private int ratioSamples;

        Workload(HaproxyProcess haproxy, Map<String, GameServer> backends, Consumer<String> roomEnded) {
            this.haproxy = haproxy;
            this.backends = backends;
            this.roomEnded = roomEnded;
        }

        Outcome play() throws Exception {
            List<Room> live = new ArrayList<>();
            List<Room> all = new ArrayList<>();
            for (int step = 0; step < roomCount + LIFETIME_STEPS; step++) {
                if (step == addAt) {
                    addServer();
                }
                if (step == failAt) {
                    failServer(live);
                }
                if (step < roomCount) {
                    Room room = new Room("room" + step, step);
                    live.add(room);
                    all.add(room);
                }
                for (Room room : live) {
                    if (step >= addAt && step < failAt && !room.serversBeforeAdd.isEmpty() && !room.players.isEmpty()) {
                        // After the scale-out, one player of each older room reconnects: where does it land?
                        room.players.remove(0).close();
                        room.rejoins++;
                    }
                    int wanted = Math.min(PLAYERS_PER_STEP, ROOM_SIZE - room.attempts) + room.rejoins;
                    room.rejoins = 0;
                    for (int i = 0; i < wanted; i++) {
                        join(room, step);
                    }
                }
                sample(live);
                for (int i = live.size() - 1; i >= 0; i--) {
                    Room room = live.get(i);
                    if (step - room.arrivedAt >= LIFETIME_STEPS) {
                        room.players.forEach(Player::close);
                        live.remove(i);
                        roomEnded.accept(room.id);
                    }
                }
                Thread.sleep(STEP_MILLIS);
            }
            int split = 0;
            int moved = 0;
            int across = 0;
            for (Room room : all) {
                split += room.split ? 1 : 0;
                if (!room.serversBeforeAdd.isEmpty() && room.joinedAfterAdd) {
                    across++;
                    moved += room.movedOnAdd ? 1 : 0;
                }
            }
            return new Outcome(all.size(), split, ratioSamples == 0 ? Double.NaN : sumRatio / ratioSamples, moved,
                    across, refusedRooms, refusedPlayers, joins);
        }

        private void join(Room room, int step) {
            boolean first = room.attempts == 0;
            room.attempts = Math.min(ROOM_SIZE, room.attempts + 1);
            joins++;
            Player player = Player.joinOrRefused(haproxy.frontend(), room.id, room.id + "p" + joins,
                    BenchSettings.JOIN_TIMEOUT);
            Optional<String> server = player.server();
            if (server.isEmpty()) {
                refusedPlayers++;
                if (first) {
                    refusedRooms++;
                }
                return;
            }
            room.players.add(player);
            if (step < addAt) {
                room.serversBeforeAdd.add(server.get());
            } else if (step < failAt && !room.serversBeforeAdd.isEmpty()) {
                room.joinedAfterAdd = true;
                if (!room.serversBeforeAdd.contains(server.get())) {
                    room.movedOnAdd = true;
                }
            }
        }

        /** Split rooms, and the busiest server's players over the mean, from the players' own view. */
        private void sample(List<Room> live) {
            Map<String, Integer> load = new HashMap<>();
            upServers.forEach(s -> load.put(s, 0));
            for (Room room : live) {
                Set<String> servers = new HashSet<>();
                for (Player player : room.players) {
                    String server = player.server().orElseThrow();
                    if (upServers.contains(server)) {
                        servers.add(server);
                        load.merge(server, 1, Integer::sum);
                    }
                }
                if (servers.size() > 1) {
                    room.split = true;
                }
            }
            int total = load.values().stream().mapToInt(Integer::intValue).sum();
            int max = load.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            double mean = total / (double) load.size();
            if (total >= 0.5 * 100 * upServers.size()) {
                sumRatio += max / mean;
                ratioSamples++;
            }
        }

        private void addServer() throws IOException {
            // HAProxy 2.6 refuses "cookie" on a dynamic server: game4 gets no cookie, which only matters to
            // returning players, and every player here is a first visit.
            String added = haproxy.runtimeApi().execute("add server be_game/game4 " + HostPort.format(backends.get("game4").address())
                    + " maxconn 100");
            String enabled = haproxy.runtimeApi().execute("enable server be_game/game4");
            if (!added.toLowerCase(Locale.ROOT).contains("new server registered") || !enabled.isBlank()) {
                throw new IOException("add server be_game/game4: '" + added.trim() + "' / '" + enabled.trim() + "'");
            }
            upServers.add("game4");
        }

        /** game2's process dies; its players notice and rejoin once HAProxy's health checks say DOWN. */
        private void failServer(List<Room> live) throws Exception {
            backends.get(FAILING).close();
            upServers.remove(FAILING);
            for (Room room : live) {
                for (int i = room.players.size() - 1; i >= 0; i--) {
                    Player player = room.players.get(i);
                    if (player.server().orElseThrow().equals(FAILING)) {
                        player.close();
                        room.players.remove(i);
                        room.rejoins++;
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!serverDown()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("HAProxy did not mark be_game/" + FAILING + " DOWN within 20s");
                }
                Thread.sleep(200);
            }
        }

        private boolean serverDown() throws IOException {
            for (String line : haproxy.runtimeApi().execute("show servers state be_game").split("\n", -1)) {
                String[] fields = line.trim().split(" ", -1);
                // show servers state: be_id be_name srv_id srv_name srv_addr srv_op_state ... (0 = stopped)
                if (fields.length > 5 && fields[3].equals(FAILING)) {
                    return fields[5].equals("0");
                }
            }
            throw new IOException("show servers state be_game: no " + FAILING);
        }
    }
}
