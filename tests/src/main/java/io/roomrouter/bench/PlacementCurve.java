package io.roomrouter.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The placement curve (issue 16), simulated: {@link RoomWorkload} rooms at offered loads of 50 to 110 %, for 3, 30
 * and 40 servers of {@code maxconn 100}, replayed ({@link PlacementSimulation}) against room-router's real memory
 * store as shipped, the same store with other straggler holds or reservation windows or without the room's size in
 * its joins (a straggler hold longer than the window is the store as it was before the hold), an ideal
 * packer that knows every room's true size and lifetime ({@link IdealPacker}: the bound), and models of
 * {@code leastconn} + cookie and of consistent hashing with {@code hash-balance-factor 125}. Prints one table per
 * server count, then room-router (as shipped) against the targets; every cell is also a figure. No HAProxy
 * here: {@link PlacementCurveThroughHaproxy} plays the same rooms, compressed in time, through the real HAProxy with
 * WebSocket players.
 */
final class PlacementCurve {
    static final double[] LOADS = {0.50, 0.70, 0.85, 0.95, 1.10};
    // 3: the shared suite's stack. 30 and 40: "enough servers that the ideal packer refuses at most 0.1 % at 85 %"
    // (issue 16, "say 30"): with 30 it refuses 0.12 %, with 40 0.06 % (seed 16, 20 000 rooms; 0.10 and 0.03 % with
    // 200 000, where the noise is small); both stay, for the curves and comparisons of earlier stops.
    static final int[] SERVER_COUNTS = {3, 30, 40};
    static final int CAPACITY = 100;
    static final String SHIPPED = "room-router";
    private static final String IDEAL = "ideal";
    private static final String BALANCED_IDEAL = IDEAL + ".least-loaded";

    private final int[] serverCounts;
    private final double[] loads;
    private final int roomsPerLoad;
    private final long seed;
    private final List<Duration> windows;
    private final List<Duration> holds;
    private final Results results;

    /**
     * {@code windows}, {@code holds}: the reservation windows and the straggler holds room-router also runs with,
     * besides the shipped ones; {@code serverCounts} and {@code loads}: the curve's points (by default
     * {@link #SERVER_COUNTS} and {@link #LOADS}).
     */
    PlacementCurve(int[] serverCounts, double[] loads, int roomsPerLoad, long seed, List<Duration> windows,
            List<Duration> holds, Results results) {
        this.serverCounts = serverCounts.clone();
        this.loads = loads.clone();
        this.roomsPerLoad = roomsPerLoad;
        this.seed = seed;
        this.windows = List.copyOf(windows);
        this.holds = List.copyOf(holds);
        this.results = results;
    }

    /** One rule of the curve: its key in figure names, and how to make it for one run. */
    record Rule(String key, Function<Setup, SimulatedPlacement> make) {}

    /** What a rule is made for: the servers' names and capacity, and the last instant of the run. */
    record Setup(List<String> servers, int capacity, long horizonMillis) {}

    private static List<Rule> fixedRules() {
        return List.of(
                new Rule(IDEAL, s -> new IdealPacker(s.servers().size(), s.capacity(), s.horizonMillis())),
                new Rule(BALANCED_IDEAL,
                        s -> new IdealPacker(s.servers().size(), s.capacity(), s.horizonMillis(), true)),
                new Rule(SHIPPED, s -> roomRouter(s, "room-router (as shipped: window "
                        + seconds(RoomRouterModel.SHIPPED_WINDOW) + ", straggler hold "
                        + seconds(RoomRouterModel.SHIPPED_STRAGGLER_HOLD) + ")",
                        RoomRouterModel.SHIPPED_WINDOW, RoomRouterModel.SHIPPED_STRAGGLER_HOLD, 0)),
                new Rule("room-router.size-not-sent", s -> roomRouter(s, "room-router, joins without size (10)",
                        RoomRouterModel.SHIPPED_WINDOW, RoomRouterModel.SHIPPED_STRAGGLER_HOLD,
                        RoomWorkload.Shape.DEFAULT.maxSize())),
                new Rule("room-router.true-size", s -> roomRouter(s, "room-router, joins say who will come",
                        RoomRouterModel.SHIPPED_WINDOW, RoomRouterModel.SHIPPED_STRAGGLER_HOLD,
                        RoomRouterModel.TRUE_SIZE)),
                new Rule("room-router.peak-size", s -> roomRouter(s,
                        "room-router, joins say the most players connected at once", RoomRouterModel.SHIPPED_WINDOW,
                        RoomRouterModel.SHIPPED_STRAGGLER_HOLD, RoomRouterModel.PEAK_SIZE)),
                new Rule("leastconn-cookie", s -> new LeastConnModel(s.capacity())),
                new Rule("hash-hbf125", s -> new BoundedHashModel(s.servers(), 125)));
    }

    /**
     * The rules, with room-router under each of the other straggler {@code holds}, then each of the other
     * reservation {@code windows} (with the shipped hold), after the shipped one.
     */
    static List<Rule> rules(List<Duration> windows, List<Duration> holds) {
        List<Rule> rules = new ArrayList<>(fixedRules());
        int at = 0;
        while (!rules.get(at++).key().equals(SHIPPED)) {
            // the alternatives go right after the shipped rule
        }
        for (Duration hold : holds) {
            String text = seconds(hold);
            // Longer than the window: never sooner than its end, the store as it was before the hold.
            String label = hold.compareTo(RoomRouterModel.SHIPPED_WINDOW) > 0
                    ? "room-router, no straggler hold (as before it)"
                    : "room-router, straggler hold " + text;
            rules.add(at++, new Rule(SHIPPED + ".hold-" + text,
                    s -> roomRouter(s, label, RoomRouterModel.SHIPPED_WINDOW, hold, 0)));
        }
        for (Duration window : windows) {
            String text = seconds(window);
            Duration hold = RoomRouterModel.SHIPPED_STRAGGLER_HOLD;
            rules.add(at++, new Rule(SHIPPED + ".window-" + text,
                    s -> roomRouter(s, "room-router, window " + text, window, hold, 0)));
        }
        return rules;
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + "s";
    }

    private static SimulatedPlacement roomRouter(Setup setup, String label, Duration window, Duration hold,
            int declaredSize) {
        return new RoomRouterModel(label, setup.servers(), setup.capacity(), window, hold, declaredSize);
    }

    void run() {
        long start = System.nanoTime();
        RoomWorkload workload = new RoomWorkload(RoomWorkload.Shape.DEFAULT, seed);
        long warmup = 2 * workload.shape().maxLifeMillis();
        List<String> checks = new ArrayList<>();
        for (int servers : serverCounts) {
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= servers; i++) {
                names.add("game" + i);
            }
            String config = servers + "x" + CAPACITY;
            System.out.printf(Locale.ROOT, "%nplacement curve, %d servers of maxconn %d, %d rooms per load (seed %d)"
                    + "%n%n| load | rule | new rooms refused | players refused | rooms split | busiest / mean "
                    + "| seats held | stranded |%n|---:|---|---:|---:|---:|---:|---:|---:|%n",
                    servers, CAPACITY, roomsPerLoad, seed);
            for (double load : loads) {
                List<RoomPlan> rooms = workload.rooms(load, servers * CAPACITY, roomsPerLoad);
                PlacementSimulation simulation = new PlacementSimulation(rooms, servers, CAPACITY, warmup);
                Setup setup = new Setup(names, CAPACITY, simulation.horizonMillis());
                PlacementSimulation.Outcome ideal = null;
                PlacementSimulation.Outcome balancedIdeal = null;
                for (Rule rule : rules(windows, holds)) {
                    PlacementSimulation.Outcome o = simulation.run(rule.make().apply(setup));
                    if (rule.key().equals(IDEAL)) {
                        ideal = o;
                    } else if (rule.key().equals(BALANCED_IDEAL)) {
                        balancedIdeal = o;
                    }
                    System.out.printf(Locale.ROOT, "| %.0f %% | %s | %.2f %% (%d of %d) | %.3f %% | %d | %.3f "
                            + "| %.2f %% | %.2f %% |%n", load * 100, o.label(), 100 * o.roomsRefusedShare(),
                            o.roomsRefused(), o.rooms(), 100 * o.playersRefusedShare(), o.roomsSplit(),
                            o.busiestOverMean(), 100 * o.heldShare(), 100 * o.strandedShare());
                    addFigures(config, load, rule.key(), o, ideal);
                    if (rule.key().equals(SHIPPED)) {
                        checks.add(check(config, load, o, ideal, balancedIdeal));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nroom-router as shipped against issue 16's targets (refused <= 1.1 x the "
                + "ideal packer's, stranded <= 3 %% of capacity, busiest <= 1.2 x mean, 0 split):%n");
        checks.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "placement curve simulated in %d s%n",
                (System.nanoTime() - start) / 1_000_000_000L);
    }

    private void addFigures(String config, double load, String key, PlacementSimulation.Outcome o,
            PlacementSimulation.Outcome ideal) {
        String prefix = String.format(Locale.ROOT, "placement_curve.%s.load%03.0f.%s.", config, load * 100, key);
        boolean shipped = key.equals(SHIPPED);
        String how = String.format(Locale.ROOT, "simulated, %d rooms offered, %d players of rooms taken", o.rooms(),
                o.players());
        results.add(new Figure(prefix + "new_rooms_refused", 100 * o.roomsRefusedShare(), "%",
                shipped ? String.format(Locale.ROOT, "<= %.3f (1.1 x ideal)", 110 * ideal.roomsRefusedShare()) : "",
                how));
        results.add(new Figure(prefix + "stranded_seats", 100 * o.strandedShare(), "% capacity",
                shipped ? "<= 3" : "", "seats held for players who do not come while held, time-averaged"));
        if (key.contains(".")) {
            return; // the alternatives: what a knob changes, in the printed table
        }
        results.add(new Figure(prefix + "players_refused", 100 * o.playersRefusedShare(), "%", "",
                "players of rooms taken sent to a full server (queued, then refused)"));
        results.add(new Figure(prefix + "rooms_split", o.roomsSplit(), "rooms", shipped ? "0" : "",
                "rooms whose players were on two servers"));
        results.add(new Figure(prefix + "busiest_over_mean", o.busiestOverMean(), "x", shipped ? "<= 1.2" : "",
                "players on the busiest server / mean, sampled every 10 s"));
    }

    private static String check(String config, double load, PlacementSimulation.Outcome o,
            PlacementSimulation.Outcome ideal, PlacementSimulation.Outcome balancedIdeal) {
        boolean refusals = o.roomsRefusedShare() <= 1.1 * ideal.roomsRefusedShare();
        boolean stranded = o.strandedShare() <= 0.03;
        boolean busiest = !(o.busiestOverMean() > 1.2);
        boolean split = o.roomsSplit() == 0;
        // The counts too: a share of a few rooms is mostly the workload's noise. And what rule 1 (least loaded) costs
        // the bound itself, with the same knowledge: a rule that keeps rule 1 and knows less is not expected to
        // refuse fewer.
        return String.format(Locale.ROOT, "  %s at %3.0f %%: refused %.2f %% vs ideal %.2f %% (%d vs %d rooms; the"
                + " ideal least loaded %d) %s; stranded %.2f %% %s; busiest %.3f %s; split %d %s", config, load * 100,
                100 * o.roomsRefusedShare(), 100 * ideal.roomsRefusedShare(), o.roomsRefused(), ideal.roomsRefused(),
                balancedIdeal.roomsRefused(), mark(refusals), 100 * o.strandedShare(), mark(stranded),
                o.busiestOverMean(), mark(busiest), o.roomsSplit(), mark(split));
    }

    private static String mark(boolean met) {
        return met ? "met" : "MISSED";
    }
}
