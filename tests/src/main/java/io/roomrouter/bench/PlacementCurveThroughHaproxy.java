package io.roomrouter.bench;

import io.roomrouter.kit.Player;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The placement curve (issue 16) through the real HAProxy with real WebSocket players: the {@link PlacementCurve}'s
 * workload ({@link RoomWorkload}, the same seed) compressed {@value #COMPRESSION} times in time
 * ({@code Shape.DEFAULT.compressed}: rooms live 5 to 15 s, most players join within 50 ms, late ones 0.17 to 3 s
 * after the room's start), played at offered loads of 50 to 110 % against 3 kit game servers of {@code maxconn 100}
 * (the reference configuration's), under the three configurations of {@link PlacementBench} ({@code leastconn} +
 * cookie, consistent hashing with {@code hash-balance-factor 125}, each player balanced on its own, and the
 * reference file with the room-router agent) and a fourth, {@code leastconn} with the reference's
 * {@code stick on urlp(room)} (a room's first player by leastconn, the others to its server: HAProxy alone keeping
 * rooms whole), one stack each, all on the same time line at once.
 *
 * <p>Each seat whose player comes is a WebSocket join through HAProxy at its join time, {@code /ws?room=R&player=P
 * &size=N} (the reference config's optional room size, the room's declared size), held open until its leave time. A
 * join not answered 101 within {@link BenchSettings#JOIN_TIMEOUT} (a 503, or HAProxy queueing the player behind a
 * full server) is refused. A room's later players wait for the answer to its first join: if it is refused, the room
 * is refused whole and none of them come; later players refused count as players refused. At a room's end its
 * players still there close, and for room-router the room is released ({@code POST /release}), as a game platform
 * does. Counts ({@link CurveTally}) are those of {@link PlacementSimulation}, over the rooms that start after a
 * warm-up of two maximum lives ({@value #WARMUP_LIVES} in the quick run) up to the last room's start; busiest / mean
 * is sampled every 10 s of uncompressed time.
 *
 * <p>The agent runs through {@code bin/room-router} at its shipped defaults except the durations that are about the
 * rooms' time line and so must shrink with it:
 * <ul>
 *   <li>{@code --reservation-window}: 60 s / {@value #COMPRESSION} = 1 s, how long a new room holds seats for
 *       players not there yet; as {@link PlacementBench} scales it to its own time line.</li>
 *   <li>{@code --straggler-hold}: 10 s / {@value #COMPRESSION} = 167 ms, how much longer the stragglers' seats stay
 *       held once a room has seen four in five of its players.</li>
 * </ul>
 * What does not shrink: the store keeps a room's placement time in whole seconds, rounded up, so a 1 s window lasts
 * 1 to 2 s (60 to 120 s uncompressed); and the agent gives a held seat back only once an inventory read taken 100 ms
 * after the player's join sees it, at the shipped {@code --refresh-interval} of 500 ms: an arrival is counted twice
 * (held and connected) for 0.1 to 0.6 s, 6 to 36 s uncompressed, where a real one is for under a second.
 * {@code -Dbench.curveHaproxyVariant="--refresh-interval 100ms"} runs a fifth stack, room-router with those flags
 * too, on the same time line, to measure what that costs. Measured once over the whole curve (600 rooms a load):
 * 100 ms held 0.3 to 0.6 % of capacity less (1.8 to 3.0 % against 2.1 to 3.5 %; the simulated room-router holds
 * 0.9 to 1.5 %) and refused 0 to 5 new rooms fewer of the 460 to 540 measured a load (at 110 %: 91 against 96, the
 * simulated room-router 87), a few rooms, near the noise. The curve keeps the shipped 500 ms (the agent's defaults
 * but for what is about the rooms' time line), and its seats held read as an upper side.
 *
 * <p>The reference rows are {@link PlacementSimulation} on the uncompressed rooms of the same seed (the same draws,
 * every duration {@value #COMPRESSION} times longer): the ideal packer, which buckets occupancy by the second and so
 * needs the uncompressed time line, and the simulated models of the three configurations. Seats held and stranded
 * seats are sampled from the agent's room API ({@code GET /rooms}: each room's placement time, seats held and
 * players seen) against each room's plan ({@link StrandedSeats}), with the scaled window and straggler hold.
 */
final class PlacementCurveThroughHaproxy {
    static final double COMPRESSION = 60;
    static final int SERVERS = 3;
    static final String CONFIG = SERVERS + "x" + PlacementCurve.CAPACITY;
    private static final double WARMUP_LIVES = 2;
    private static final double QUICK_WARMUP_LIVES = 1;
    private static final double[] QUICK_LOADS = {0.85};
    private static final int JOIN_THREADS = 48;
    private static final int JOIN_QUEUE = 10_000;
    // One room of GET /rooms, in the order the agent writes its fields.
    private static final Pattern ROOM = Pattern.compile("\"room\":\"r(\\d+)\",\"server\":[^,]*,\"fallback\":[^,]*,"
            + "\"size\":\\d+,\"playersSeen\":(\\d+),\"seatsHeld\":(\\d+),\"placedAt\":(\\d+|null)");
    private static final Pattern NEXT = Pattern.compile("\"next\":\"([^\"]+)\"");
    private static final long WINDOW_MILLIS = Math.round(RoomRouterModel.SHIPPED_WINDOW.toMillis() / COMPRESSION);
    private static final long HOLD_MILLIS = Math.round(RoomRouterModel.SHIPPED_STRAGGLER_HOLD.toMillis() / COMPRESSION);
    /** The simulated rules shown next to the measured ones: the bound and the models of the three configurations. */
    private static final Set<String> SIMULATED = Set.of("ideal", "leastconn-cookie", "hash-hbf125",
            PlacementCurve.SHIPPED);

    private final BenchSettings settings;
    private final Results results;

    PlacementCurveThroughHaproxy(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    /** One configuration of the curve: its key in figure names and table, and how its stack is made. */
    record Config(String key, PlacementBench.Setup setup, List<String> agentArgs) {}

    /**
     * The configurations run: the three of {@link PlacementBench}, leastconn with a stick on the room, then
     * room-router with {@code variant} flags when there are any.
     */
    static List<Config> configs(List<String> variant) {
        List<String> scaled = List.of(
                "--reservation-window", scaledMillis(RoomRouterModel.SHIPPED_WINDOW),
                "--straggler-hold", scaledMillis(RoomRouterModel.SHIPPED_STRAGGLER_HOLD));
        List<Config> configs = new ArrayList<>(List.of(
                new Config("leastconn-cookie", PlacementBench.Setup.LEASTCONN_COOKIE, List.of()),
                new Config("hash-hbf125", PlacementBench.Setup.HASH_BOUNDED, List.of()),
                new Config(PlacementCurve.SHIPPED, PlacementBench.Setup.ROOM_ROUTER, scaled),
                new Config("leastconn-stick-room", PlacementBench.Setup.LEASTCONN_STICK_ROOM, List.of())));
        if (!variant.isEmpty()) {
            List<String> flags = new ArrayList<>(scaled);
            flags.addAll(variant); // later flags win
            String key = PlacementCurve.SHIPPED + "." + String.join("-", variant).replaceAll("^-+|(?<=-)-+", "");
            configs.add(new Config(key, PlacementBench.Setup.ROOM_ROUTER, flags));
        }
        return configs;
    }

    /** A shipped duration divided by {@link #COMPRESSION}, as an agent flag: 60 s -> {@code 1000ms}. */
    static String scaledMillis(Duration shipped) {
        return Math.round(shipped.toMillis() / COMPRESSION) + "ms";
    }

    void run() throws Exception {
        long started = System.nanoTime();
        List<Config> configs = configs(settings.curveHaproxyVariant());
        double[] loads = settings.quick() ? QUICK_LOADS : PlacementCurve.LOADS;
        Path reference = settings.haproxyDir().resolve("haproxy.cfg");
        if (!Files.exists(reference)) {
            for (double load : loads) {
                for (Config config : configs) {
                    results.add(Figure.missing(prefix(load, config.key()) + "new_rooms_refused", "%", "",
                            "no reference config at " + reference));
                }
            }
            return;
        }
        int roomsPerLoad = settings.curveHaproxyRooms();
        RoomWorkload.Shape shape = RoomWorkload.Shape.DEFAULT.compressed(COMPRESSION);
        RoomWorkload compressed = new RoomWorkload(shape, settings.curveSeed());
        RoomWorkload uncompressed = new RoomWorkload(RoomWorkload.Shape.DEFAULT, settings.curveSeed());
        double lives = settings.quick() ? QUICK_WARMUP_LIVES : WARMUP_LIVES;
        long warmup = Math.round(lives * shape.maxLifeMillis());
        int capacity = SERVERS * PlacementCurve.CAPACITY;
        String header = String.format(Locale.ROOT, "%nplacement curve through HAProxy, %d servers of maxconn %d, %d "
                + "rooms per load (seed %d), time compressed %.0f times%n%n| load | rule | new rooms refused "
                + "| players refused | rooms split | busiest / mean | seats held | stranded |%n"
                + "|---:|---|---:|---:|---:|---:|---:|---:|%n",
                SERVERS, PlacementCurve.CAPACITY, roomsPerLoad, settings.curveSeed(), COMPRESSION);
        StringBuilder table = new StringBuilder(header);
        for (double load : loads) {
            int from = table.length();
            CurveSchedule schedule = new CurveSchedule(compressed.rooms(load, capacity, roomsPerLoad), warmup,
                    Math.round(PlacementSimulation.SAMPLE_MILLIS / COMPRESSION));
            for (PlacementSimulation.Outcome o : play(schedule, load, configs)) {
                String key = o.label();
                table.append(row(load, key + " (HAProxy, measured)", o));
                addFigures(load, key, o);
            }
            List<RoomPlan> rooms = uncompressed.rooms(load, capacity, roomsPerLoad);
            PlacementSimulation simulation = new PlacementSimulation(rooms, SERVERS, PlacementCurve.CAPACITY,
                    Math.round(lives * RoomWorkload.Shape.DEFAULT.maxLifeMillis()));
            List<String> names = List.of("game1", "game2", "game3");
            PlacementCurve.Setup setup = new PlacementCurve.Setup(names, PlacementCurve.CAPACITY,
                    simulation.horizonMillis());
            for (PlacementCurve.Rule rule : PlacementCurve.rules(List.of(), List.of())) {
                if (SIMULATED.contains(rule.key())) {
                    PlacementSimulation.Outcome o = simulation.run(rule.make().apply(setup));
                    table.append(row(load, rule.key() + " (simulated: " + o.label() + ")", o));
                    if (rule.key().equals("ideal")) {
                        results.add(new Figure(prefix(load, "ideal") + "new_rooms_refused",
                                100 * o.roomsRefusedShare(), "%", "", String.format(Locale.ROOT,
                                        "simulated on the same rooms uncompressed, %d rooms offered", o.rooms())));
                    }
                }
            }
            System.out.print(header + table.substring(from)); // this load's rows now, the whole table at the end
        }
        System.out.printf(Locale.ROOT, "%s%nplacement curve through HAProxy in %d s%n", table,
                (System.nanoTime() - started) / 1_000_000_000L);
    }

    private static String row(double load, String rule, PlacementSimulation.Outcome o) {
        return String.format(Locale.ROOT, "| %.0f %% | %s | %.2f %% (%d of %d) | %.3f %% | %d | %.3f | %s | %s |%n",
                load * 100, rule, 100 * o.roomsRefusedShare(), o.roomsRefused(), o.rooms(),
                100 * o.playersRefusedShare(), o.roomsSplit(), o.busiestOverMean(), share(o.heldShare()),
                share(o.strandedShare()));
    }

    private static String share(double share) {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * share);
    }

    private static String prefix(double load, String key) {
        return String.format(Locale.ROOT, "placement_curve_haproxy.%s.load%03.0f.%s.", CONFIG, load * 100, key);
    }

    private void addFigures(double load, String key, PlacementSimulation.Outcome o) {
        String prefix = prefix(load, key);
        String how = String.format(Locale.ROOT, "through HAProxy, %d rooms offered after warm-up, %d players of "
                + "rooms taken, time compressed %.0f x", o.rooms(), o.players(), COMPRESSION);
        boolean shipped = key.equals(PlacementCurve.SHIPPED);
        results.add(new Figure(prefix + "new_rooms_refused", 100 * o.roomsRefusedShare(), "%", "", how));
        results.add(new Figure(prefix + "players_refused", 100 * o.playersRefusedShare(), "%", "",
                "players of rooms taken refused (503, or no 101 within " + BenchSettings.JOIN_TIMEOUT.toMillis()
                        + " ms: queued behind maxconn)"));
        results.add(new Figure(prefix + "rooms_split", o.roomsSplit(), "rooms", shipped ? "0" : "",
                "rooms whose players landed on two servers"));
        results.add(new Figure(prefix + "busiest_over_mean", o.busiestOverMean(), "x", shipped ? "<= 1.2" : "",
                "players on the busiest server / mean, every " + Math.round(PlacementSimulation.SAMPLE_MILLIS
                        / COMPRESSION) + " ms of the measured span"));
        if (!Double.isNaN(o.heldShare())) {
            results.add(new Figure(prefix + "seats_held", 100 * o.heldShare(), "% capacity", "",
                    "seats the agent holds for players not there yet (GET /rooms), at the same samples as "
                            + "busiest / mean"));
            results.add(new Figure(prefix + "stranded_seats", 100 * o.strandedShare(), "% capacity",
                    shipped ? "<= 3" : "", "of those, seats held for players who do not arrive while held (the "
                            + "agent's rooms against their plans), at the same samples"));
        }
    }

    /** Plays {@code schedule} against one fresh stack per configuration at once; an outcome each, labelled by key. */
    private List<PlacementSimulation.Outcome> play(CurveSchedule schedule, double load, List<Config> configs)
            throws Exception {
        List<Lane> lanes = new ArrayList<>();
        try {
            for (Config config : configs) {
                String name = String.format(Locale.ROOT, "curve-%s-%03.0f", config.key(), load * 100);
                lanes.add(new Lane(config, schedule, PlacementStack.start(settings, config.setup(), name, SERVERS, 0,
                        config.agentArgs())));
            }
            long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            long t0Epoch = System.currentTimeMillis() + 200;
            lanes.forEach(lane -> lane.startsAt(t0Epoch));
            for (CurveSchedule.Event event : schedule.events()) {
                long due = t0 + TimeUnit.MILLISECONDS.toNanos(event.atMillis());
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                for (Lane lane : lanes) {
                    lane.handle(event, due);
                }
            }
            List<PlacementSimulation.Outcome> outcomes = new ArrayList<>();
            for (Lane lane : lanes) {
                outcomes.add(lane.finish());
            }
            return outcomes;
        } finally {
            for (Lane lane : lanes) {
                lane.close();
            }
        }
    }

    /** One configuration's stack, its join threads and its counts. */
    private static final class Lane implements AutoCloseable {
        private final Config config;
        private final CurveSchedule schedule;
        private final PlacementStack stack;
        private final CurveTally tally;
        private final InetSocketAddress frontend;
        private final ThreadPoolExecutor joins;
        private final ExecutorService admin;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicInteger refusedByStatus = new AtomicInteger();
        private final AtomicInteger refusedUnanswered = new AtomicInteger();
        private final AtomicInteger lateSends = new AtomicInteger();
        private final AtomicInteger sends = new AtomicInteger();
        private long heldSum; // guarded by this
        private long strandedSum; // guarded by this
        private int heldSamples; // guarded by this
        private volatile long startEpochMillis;
        private volatile long maxLagNanos;

        Lane(Config config, CurveSchedule schedule, PlacementStack stack) {
            this.config = config;
            this.schedule = schedule;
            this.stack = stack;
            this.tally = new CurveTally(schedule, List.of("game1", "game2", "game3"));
            this.frontend = stack.haproxy().frontend();
            this.joins = new ThreadPoolExecutor(JOIN_THREADS, JOIN_THREADS, 10, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(JOIN_QUEUE), new ThreadPoolExecutor.AbortPolicy());
            this.admin = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(JOIN_QUEUE),
                    new ThreadPoolExecutor.AbortPolicy());
        }

        void handle(CurveSchedule.Event event, long dueNanos) {
            switch (event.kind()) {
                case SAMPLE -> {
                    tally.sample();
                    if (stack.hasAgent()) {
                        admin.execute(guarded(this::sampleRooms));
                    }
                }
                case LEAVE -> tally.leave(event.room(), event.seat());
                case END -> {
                    if (tally.end(event.room()) && stack.hasAgent()) {
                        String room = schedule.rooms().get(event.room()).id();
                        admin.execute(guarded(() -> stack.release(room)));
                    }
                }
                case JOIN -> {
                    CurveTally.Send send = tally.due(event.room(), event.seat());
                    if (send == CurveTally.Send.FIRST || send == CurveTally.Send.LATER) {
                        submitJoin(event.room(), event.seat(), send == CurveTally.Send.FIRST, dueNanos);
                    }
                }
            }
        }

        private void submitJoin(int r, int s, boolean first, long dueNanos) {
            joins.execute(guarded(() -> {
                long lag = System.nanoTime() - dueNanos;
                sends.incrementAndGet();
                if (lag > TimeUnit.MILLISECONDS.toNanos(50)) {
                    lateSends.incrementAndGet();
                }
                if (lag > maxLagNanos) {
                    maxLagNanos = lag; // a racy max: a report of how late joins went out, not a count
                }
                RoomPlan room = schedule.rooms().get(r);
                Player player = Player.joinOrRefused(frontend, room.id(), room.seats().get(s).player(),
                        "&size=" + room.size(), BenchSettings.JOIN_TIMEOUT);
                Optional<String> server = player.server();
                if (server.isEmpty()) {
                    (player.reply().status() == 0 ? refusedUnanswered : refusedByStatus).incrementAndGet();
                }
                for (int waiting : tally.joined(r, s, first, server, player::close)) {
                    submitJoin(r, waiting, false, System.nanoTime());
                }
            }));
        }

        /** The wall-clock instant of the schedule's time 0, to read the agent's placement times on the plan's. */
        void startsAt(long epochMillis) {
            startEpochMillis = epochMillis;
        }

        // Every room the agent holds seats for, page by page: the seats held, and those stranded (StrandedSeats).
        private void sampleRooms() {
            long held = 0;
            long stranded = 0;
            String after = null;
            do {
                String page = stack.adminGet("/rooms?backend=be_game&limit=1000"
                        + (after == null ? "" : "&after=" + after));
                Matcher m = ROOM.matcher(page);
                while (m.find()) {
                    int seatsHeld = Integer.parseInt(m.group(3));
                    if (seatsHeld == 0 || m.group(4).equals("null")) {
                        continue;
                    }
                    RoomPlan room = schedule.rooms().get(Integer.parseInt(m.group(1)));
                    held += seatsHeld;
                    stranded += StrandedSeats.of(room, Long.parseLong(m.group(4)) - startEpochMillis, seatsHeld,
                            Integer.parseInt(m.group(2)), WINDOW_MILLIS, HOLD_MILLIS);
                }
                Matcher next = NEXT.matcher(page);
                after = next.find() ? next.group(1) : null;
            } while (after != null);
            synchronized (this) {
                heldSum += held;
                strandedSum += stranded;
                heldSamples++;
            }
        }

        private Runnable guarded(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                }
            };
        }

        /** Waits for the joins and releases still under way; the outcome, labelled by the configuration's key. */
        PlacementSimulation.Outcome finish() throws InterruptedException {
            joins.shutdown();
            admin.shutdown();
            if (!joins.awaitTermination(30, TimeUnit.SECONDS) || !admin.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(config.key() + ": joins or releases still running 30 s after the end");
            }
            if (failure.get() != null) {
                throw new IllegalStateException(config.key() + ": a join, release or sample failed", failure.get());
            }
            if (tally.connected() != 0) {
                throw new IllegalStateException(config.key() + ": " + tally.connected()
                        + " players still connected after every room ended");
            }
            double held;
            double stranded;
            synchronized (this) {
                double seatSamples = (double) heldSamples * SERVERS * PlacementCurve.CAPACITY;
                held = heldSamples == 0 ? Double.NaN : heldSum / seatSamples;
                stranded = heldSamples == 0 ? Double.NaN : strandedSum / seatSamples;
            }
            System.out.printf(Locale.ROOT, "[curve-haproxy] %s: %d joins sent, %d more than 50 ms late (max %d ms); "
                    + "refused: %d by status (503...), %d unanswered within %d ms%n", config.key(), sends.get(),
                    lateSends.get(), TimeUnit.NANOSECONDS.toMillis(maxLagNanos), refusedByStatus.get(),
                    refusedUnanswered.get(), BenchSettings.JOIN_TIMEOUT.toMillis());
            return tally.outcome(config.key(), held, stranded);
        }

        @Override
        public void close() {
            joins.shutdownNow();
            admin.shutdownNow();
            stack.close();
        }
    }
}
