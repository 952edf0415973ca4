package io.roomrouter.bench;

import static io.roomrouter.kit.Stack.GAME_BACKEND;

import io.roomrouter.e2e.Crowd;
import io.roomrouter.e2e.TimedCrowd;
import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.MachineCpu;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The shared suite: the production shape of {@code --redis} on this machine's cores. Two HAProxy on the reference
 * configuration, each with its agent at its shipped defaults plus {@code --redis}, one redis-server, three game
 * servers, about {@value #PLAYERS_AT_ONCE} WebSocket players at a time. It runs the two workloads of
 * {@code RedisTwoProxiesIT}, each on a fresh stack, {@link BenchSettings#sharedRuns()} times after a run 0 that warms
 * the harness up (printed, not counted):
 * <ul>
 *   <li>alternate: {@value #ALTERNATE_ROOMS} rooms of {@value #ROOM_SIZE}, players interleaved as lobbies fill
 *       (the first player of every room, then the second...), alternating between the proxies;
 *   <li>race: {@value #RACE_ROOMS} rooms whose first {@value #RACE_PLAYERS} players arrive together through both
 *       proxies, {@value #RACE_ROOMS_AT_ONCE} rooms at a time.
 * </ul>
 * It reports rooms split and decisions by kind (target: none split, none refused with retry), the agents' decision latency
 * from their log ({@code micros=}) for first joins and known rooms, and, on the race's stack once it is done, the
 * agents' CPU time per 1 000 decisions at a paced rate and at saturation. Beside every stack a {@link PingFloor}
 * measures the floor under those latencies: a bare Redis round trip from a process of its own on the same cores,
 * over the same spans, and each decision tail is also given over that floor's. Each agent variant of
 * {@link BenchSettings#sharedAgentVariants()} runs every round, in an order rotated each round, so that the machine's
 * drift over the suite falls on every variant alike.
 */
final class SharedCpuBench {
    static final int ROOM_SIZE = 10;
    static final int PLAYERS_AT_ONCE = 100;
    static final int ALTERNATE_ROOMS = 500;
    static final int RACE_ROOMS = 1000;
    static final int RACE_PLAYERS = 5;
    static final int RACE_ROOMS_AT_ONCE = PLAYERS_AT_ONCE / RACE_PLAYERS;
    // The CPU phases fill rooms a few at a time, so that placements and known-room joins stay evenly mixed.
    private static final int CPU_ROOMS_AT_ONCE = 20;
    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    // Capacity is not measured here: seats for every room of a stack (race and both CPU phases, held until the
    // 60 s reservation window ends when players leave before HAProxy counts them) fit many times over.
    private static final int SEATS_PER_SERVER = 20_000;
    private static final long SETTLE_MILLIS = 5_000;
    private static final long FLOOR_START_MILLIS = 1_000;
    private static final List<String> PHASES = List.of("paced", "saturation");

    private final BenchSettings settings;
    private final Results results;

    SharedCpuBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    /** What one variant gave over every round. */
    private static final class Tally {
        final List<SharedRun> runs = new ArrayList<>();
        final DecisionLatency latency = new DecisionLatency(GAME_BACKEND);
        // The paced phase's decisions apart: the latency at a steady rate the stack can carry, where the workloads'
        // 100 players re-joining as fast as they are answered keep both cores busy.
        final DecisionLatency pacedLatency = new DecisionLatency(GAME_BACKEND);
        // The floor under each: a bare Redis round trip from a process of its own on the same cores, meanwhile.
        final PingLatency floor = new PingLatency();
        final PingLatency pacedFloor = new PingLatency();
        final Map<String, List<CpuCost>> cpu = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
    }

    /**
     * The agents' CPU time over one phase, the time their threads waited for a core in it, and the decisions they
     * logged in it.
     */
    record CpuCost(int joins, double seconds, long decisions, double agentCpuSeconds, double agentWaitSeconds,
            double redisCpuSeconds, double machineBusyShare) {

        double agentPerThousand() {
            return agentCpuSeconds * 1000 / decisions;
        }

        double agentWaitPerThousand() {
            return agentWaitSeconds * 1000 / decisions;
        }
    }

    /** The joins of a phase: how many were made, how many the agent answered in time, and the seconds taken. */
    private record Load(int joins, long answered, double seconds) {}

    @FunctionalInterface
    private interface Phase {
        Load run() throws Exception;
    }

    /** Takes a phase's settled log lines and its span in epoch milliseconds. */
    @FunctionalInterface
    private interface PhaseLines {
        void add(List<String> lines, long fromMillis, long toMillis);
    }

    void run() throws Exception {
        List<AgentVariant> variants = settings.sharedAgentVariants();
        Map<AgentVariant, Tally> tallies = new LinkedHashMap<>();
        variants.forEach(v -> tallies.put(v, new Tally()));
        System.out.println("[shared] " + SharedRun.header());
        // Run 0 warms this JVM up and is not counted: its players and game servers are compiled by its own JIT in
        // their first tens of seconds, which took the two cores from the stack. The first workload of a bench run
        // went at a third of the others' joins per second, HAProxy got almost no CPU (top: the Java processes at
        // 176 to 191 % of 200), and 10 to 89 of its joins were refused (retry) in four of five bench runs (in the
        // fifth, 7 in its third stack; none in any later one), while every stack, the agents included, is started
        // afresh for every run: a cost of the harness that no deployment has. Its rows are printed, so that what it
        // did stays visible.
        AgentVariant first = variants.get(0);
        Tally warmUp = new Tally();
        runGuarded(warmUp, first, 0, "alternate", () -> alternate(first, 0, warmUp));
        runGuarded(warmUp, first, 0, "race", () -> raceThenCpu(first, 0, warmUp));
        for (int round = 1; round <= settings.sharedRuns(); round++) {
            int run = round;
            for (int i = 0; i < variants.size(); i++) {
                AgentVariant variant = variants.get((i + run - 1) % variants.size());
                Tally tally = tallies.get(variant);
                runGuarded(tally, variant, run, "alternate", () -> alternate(variant, run, tally));
                runGuarded(tally, variant, run, "race", () -> raceThenCpu(variant, run, tally));
            }
        }
        tallies.forEach(this::addFigures);
        printSummary(tallies);
    }

    @FunctionalInterface
    private interface Run {
        void run() throws Exception;
    }

    // One failed run (a stack that did not start, a join that broke) is reported and the other runs go on.
    private static void runGuarded(Tally tally, AgentVariant variant, int round, String workload, Run run)
            throws InterruptedException {
        try {
            run.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            System.out.println("[shared] " + variant.label() + " FAILED " + workload + " run " + round + ": " + e);
            // The figures' notes keep the first line; the log tail the exception carries is printed above.
            tally.failures.add(workload + " run " + round + ": " + e.toString().lines().findFirst().orElse(""));
        }
    }

    private void alternate(AgentVariant variant, int round, Tally tally) throws Exception {
        Path dir = runDir(variant, round, "alternate");
        try (RedisProcess redis = RedisProcess.start(settings.redisServer(), dir.resolve("redis"));
                Stack stack = stack(redis, variant, dir);
                PingFloor floor = startFloor(redis, dir);
                TimedCrowd crowd = new TimedCrowd(PLAYERS_AT_ONCE)) {
            List<Integer> mark = logMark(stack);
            List<TimedCrowd.Route> routes =
                    SharedWorkloads.lobbies(stack, "alt", ALTERNATE_ROOMS, ROOM_SIZE, ALTERNATE_ROOMS);
            long from = System.currentTimeMillis();
            long start = System.nanoTime();
            List<TimedCrowd.Timed> joined = crowd.join(routes, Crowd.Presence.LEAVE);
            double seconds = (System.nanoTime() - start) / 1e9;
            long to = System.currentTimeMillis();
            tally.latency.add(settledLines(stack, mark, answered(joined)));
            record(tally, SharedRun.of(variant.label(), round, "alternate", joined, seconds));
            recordFloor(floor, from, to, tally.floor, variant, round, "alternate");
        }
    }

    private void raceThenCpu(AgentVariant variant, int round, Tally tally) throws Exception {
        Path dir = runDir(variant, round, "race");
        try (RedisProcess redis = RedisProcess.start(settings.redisServer(), dir.resolve("redis"));
                Stack stack = stack(redis, variant, dir);
                PingFloor floor = startFloor(redis, dir);
                TimedCrowd crowd = new TimedCrowd(PLAYERS_AT_ONCE)) {
            List<Integer> mark = logMark(stack);
            List<TimedCrowd.Timed> joined = new ArrayList<>();
            long from = System.currentTimeMillis();
            long start = System.nanoTime();
            for (List<TimedCrowd.Route> batch :
                    SharedWorkloads.races(stack, "race", RACE_ROOMS, RACE_PLAYERS, RACE_ROOMS_AT_ONCE)) {
                joined.addAll(crowd.joinTogether(batch, Crowd.Presence.LEAVE));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long to = System.currentTimeMillis();
            tally.latency.add(settledLines(stack, mark, answered(joined)));
            record(tally, SharedRun.of(variant.label(), round, "race", joined, seconds));
            recordFloor(floor, from, to, tally.floor, variant, round, "race");

            int joins = (int) (settings.sharedJoinsPerSecond() * settings.sharedCpuDuration().toSeconds());
            int rooms = joins / ROOM_SIZE;
            List<TimedCrowd.Route> paced =
                    SharedWorkloads.lobbies(stack, "paced", rooms, ROOM_SIZE, CPU_ROOMS_AT_ONCE);
            // Twice the players' threads: a join that waits for a thread is a join late, not one offered later.
            PhaseLines pacedLines = (lines, pacedFrom, pacedTo) -> {
                tally.pacedLatency.add(lines);
                recordFloor(floor, pacedFrom, pacedTo, tally.pacedFloor, variant, round, "paced");
            };
            addCpu(tally, "paced", variant, round, measureCpu(stack, redis, pacedLines, () -> {
                PacedJoins.Outcome o =
                        PacedJoins.run(paced, settings.sharedJoinsPerSecond(), 2 * PLAYERS_AT_ONCE);
                return new Load(paced.size(), o.players().stream().filter(p -> !p.decision().isEmpty()).count(),
                        o.seconds());
            }));
            List<TimedCrowd.Route> flat = SharedWorkloads.lobbies(stack, "sat", rooms, ROOM_SIZE, CPU_ROOMS_AT_ONCE);
            addCpu(tally, "saturation", variant, round, measureCpu(stack, redis, null, () -> {
                long began = System.nanoTime();
                List<TimedCrowd.Timed> all = crowd.join(flat, Crowd.Presence.LEAVE);
                return new Load(flat.size(), answered(all), (System.nanoTime() - began) / 1e9);
            }));
        }
    }

    // Started once the stack is up, and given a second before the workload: its first pings are its JVM starting.
    private PingFloor startFloor(RedisProcess redis, Path dir) throws InterruptedException {
        PingFloor floor = PingFloor.start(settings.root(), redis.address(), dir.resolve("ping-probe.log"));
        Thread.sleep(FLOOR_START_MILLIS);
        return floor;
    }

    private static void recordFloor(PingFloor floor, long from, long to, PingLatency into, AgentVariant variant,
            int round, String workload) {
        PingLatency run = new PingLatency();
        floor.addBetween(from, to, run);
        into.add(run);
        System.out.printf(Locale.ROOT, "[shared] %-28s %5d %-10s floor: %d Redis PINGs from a process of its own,"
                        + " round trip p50/p99/p99.9 %.2f / %.2f / %.2f ms, woke late to send p99.9 %.2f ms%n",
                variant.label(), round, workload, run.count(), run.roundTripMillis(50), run.roundTripMillis(99),
                run.roundTripMillis(99.9), run.lateMillis(99.9));
    }

    private Stack stack(RedisProcess redis, AgentVariant variant, Path logDir) throws InterruptedException {
        List<String> flags = new ArrayList<>(variant.jvmFlags());
        flags.addAll(settings.agentJvmArgs());
        return Stack.builder(logDir).proxies(2).redis(redis.uri())
                .agentJvmFlags(flags)
                .agentArgs(variant.agentArgs().toArray(String[]::new))
                .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, SEATS_PER_SERVER)))
                .start();
    }

    // Emptied first: the processes append to their log files (an agent restarted within a run keeps its earlier
    // lines), so the folder of a run reused by a later ./bench.sh held both runs' lines, and reading decisions from
    // it by hand needed the timestamps to tell them apart. The figures never did: they count from log marks.
    private Path runDir(AgentVariant variant, int round, String workload) throws IOException {
        String name = variant.label().replaceAll("[^A-Za-z0-9=.+-]", "_");
        Path dir = settings.outDir().resolve("shared").resolve(name).resolve(round + "-" + workload);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return dir;
    }

    private static void record(Tally tally, SharedRun run) {
        tally.runs.add(run);
        System.out.println("[shared] " + run.row());
    }

    // phaseLines, when not null, gets the phase's decision lines and span.
    private static CpuCost measureCpu(Stack stack, RedisProcess redis, PhaseLines phaseLines, Phase phase)
            throws Exception {
        List<Integer> mark = logMark(stack);
        double agentBefore = agentCpuSeconds(stack);
        double waitBefore = agentWaitSeconds(stack);
        double redisBefore = redis.cpuSeconds();
        MachineCpu machineBefore = MachineCpu.read();
        long from = System.currentTimeMillis();
        Load load = phase.run();
        long to = System.currentTimeMillis();
        double machineBusy = MachineCpu.read().busyShareSince(machineBefore);
        List<String> lines = settledLines(stack, mark, load.answered());
        if (phaseLines != null) {
            phaseLines.add(lines, from, to);
        }
        long decisions = gameDecisions(lines).count();
        // Read once the decision lines are written: the agent's log thread is part of what a decision costs.
        double agentCpu = agentCpuSeconds(stack) - agentBefore;
        double agentWait = agentWaitSeconds(stack) - waitBefore;
        double redisCpu = redis.cpuSeconds() - redisBefore;
        return new CpuCost(load.joins(), load.seconds(), decisions, agentCpu, agentWait, redisCpu, machineBusy);
    }

    private static void addCpu(Tally tally, String phase, AgentVariant variant, int round, CpuCost cost) {
        tally.cpu.computeIfAbsent(phase, k -> new ArrayList<>()).add(cost);
        System.out.printf(Locale.ROOT, "[shared] %-28s %5d %-10s %d joins at %.0f/s, %d decisions: agents %.2f s"
                        + " CPU (%.3f s per 1000), waited %.2f s for a core (%.3f s per 1000), redis %.2f s;"
                        + " cores %.0f %% busy%n",
                variant.label(), round, phase, cost.joins(), cost.joins() / cost.seconds(), cost.decisions(),
                cost.agentCpuSeconds(), cost.agentPerThousand(), cost.agentWaitSeconds(),
                cost.agentWaitPerThousand(), cost.redisCpuSeconds(), 100 * cost.machineBusyShare());
    }

    private static double agentCpuSeconds(Stack stack) throws IOException {
        double total = 0;
        for (Stack.Proxy proxy : stack.proxies()) {
            total += proxy.agent().cpuSeconds();
        }
        return total;
    }

    private static double agentWaitSeconds(Stack stack) throws IOException {
        double total = 0;
        for (Stack.Proxy proxy : stack.proxies()) {
            total += proxy.agent().runQueueWaitSeconds();
        }
        return total;
    }

    /** How many lines each agent has logged so far, in proxy order. */
    private static List<Integer> logMark(Stack stack) {
        return stack.proxies().stream().map(p -> p.agent().log().size()).toList();
    }

    /**
     * Every agent's log lines since {@code mark}, once they hold at least {@code expected} decisions for the game
     * backend or {@value #SETTLE_MILLIS} ms have passed: the agents write decision lines a few milliseconds after
     * answering, on a thread of their own.
     */
    private static List<String> settledLines(Stack stack, List<Integer> mark, long expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
        List<String> lines = linesSince(stack, mark);
        while (gameDecisions(lines).count() < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            lines = linesSince(stack, mark);
        }
        // Joins HAProxy stopped waiting for (decision none) are still decided, and logged a little later.
        Thread.sleep(200);
        return linesSince(stack, mark);
    }

    private static List<String> linesSince(Stack stack, List<Integer> mark) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < mark.size(); i++) {
            List<String> log = stack.proxy(i).agent().log();
            lines.addAll(log.subList(mark.get(i), log.size()));
        }
        return lines;
    }

    private static Stream<AgentDecision> gameDecisions(List<String> lines) {
        return lines.stream().map(AgentDecision::parse).flatMap(Optional::stream)
                .filter(d -> d.backend().equals(GAME_BACKEND));
    }

    private static long answered(List<TimedCrowd.Timed> joined) {
        return joined.stream().filter(t -> !t.player().decision().isEmpty()).count();
    }

    private void addFigures(AgentVariant variant, Tally tally) {
        String prefix = "shared." + variant.label() + ".";
        String failures = tally.failures.isEmpty() ? "" : "; FAILED runs: " + tally.failures;
        for (String workload : List.of("alternate", "race")) {
            List<SharedRun> runs = tally.runs.stream().filter(r -> r.workload().equals(workload)).toList();
            String name = prefix + workload + ".";
            if (runs.isEmpty()) {
                results.add(Figure.missing(name + "rooms_split", "rooms", "0 every run", "no run finished"
                        + failures));
                continue;
            }
            String how = runs.size() + " runs of " + runs.get(0).rooms() + " rooms";
            results.add(new Figure(name + "rooms_split", runs.stream().mapToInt(SharedRun::split).sum(), "rooms",
                    "0 every run", how + "; per run " + perRun(runs, r -> (long) r.split()) + failures));
            results.add(new Figure(name + "retry", runs.stream().mapToLong(r -> r.decided("retry")).sum(),
                    "joins", "0 every run", how + "; per run " + perRun(runs, r -> r.decided("retry"))
                            + "; all decisions " + totalDecisions(runs)));
            results.add(new Figure(name + "slowest_join", runs.stream().mapToLong(r -> r.slowest().toMillis())
                    .max().orElseThrow(), "ms", "", "as a player saw it; per run "
                    + perRun(runs, r -> r.slowest().toMillis())));
        }
        for (String decision : List.of("placed", "sticky")) {
            String how = tally.latency.count(decision) + " " + decision
                    + " decisions of both workloads, every run, as the agents logged them (micros=)";
            results.add(new Figure(prefix + decision + ".p50", tally.latency.percentileMillis(decision, 50), "ms",
                    "", how));
            results.add(new Figure(prefix + decision + ".p99", tally.latency.percentileMillis(decision, 99), "ms",
                    "", how));
            results.add(new Figure(prefix + decision + ".p99.9", tally.latency.percentileMillis(decision, 99.9),
                    "ms", "<= 5 ms", how));
        }
        for (String decision : List.of("placed", "sticky")) {
            String how = tally.pacedLatency.count(decision) + " " + decision + " decisions of the paced phase ("
                    + settings.sharedJoinsPerSecond() + " joins/s offered), every run, as the agents logged them";
            results.add(new Figure(prefix + "paced." + decision + ".p50",
                    tally.pacedLatency.percentileMillis(decision, 50), "ms", "", how));
            results.add(new Figure(prefix + "paced." + decision + ".p99",
                    tally.pacedLatency.percentileMillis(decision, 99), "ms", "", how));
            results.add(new Figure(prefix + "paced." + decision + ".p99.9",
                    tally.pacedLatency.percentileMillis(decision, 99.9), "ms", "<= 5 ms", how));
        }
        addFloorFigures(prefix, tally.floor, tally.latency, "both workloads");
        addFloorFigures(prefix + "paced.", tally.pacedFloor, tally.pacedLatency, "the paced phase");
        for (String phase : PHASES) {
            List<CpuCost> costs = tally.cpu.getOrDefault(phase, List.of());
            String name = prefix + "agent_cpu_per_1000." + phase;
            if (costs.isEmpty()) {
                results.add(Figure.missing(name, "s", "", "no run finished" + failures));
                continue;
            }
            double cpu = costs.stream().mapToDouble(CpuCost::agentCpuSeconds).sum();
            long decisions = costs.stream().mapToLong(CpuCost::decisions).sum();
            double redis = costs.stream().mapToDouble(CpuCost::redisCpuSeconds).sum();
            double wait = costs.stream().mapToDouble(CpuCost::agentWaitSeconds).sum();
            results.add(new Figure(prefix + "agent_wait_per_1000." + phase, wait * 1000 / decisions, "s", "",
                    String.format(Locale.ROOT, "both agents' threads runnable but not running (schedstat) over %d"
                            + " decisions; per run %s; the cores were busy %s %% of the phase", decisions,
                            costs.stream().map(c -> String.format(Locale.ROOT, "%.3f", c.agentWaitPerThousand()))
                                    .toList(),
                            costs.stream().map(c -> String.format(Locale.ROOT, "%.0f", 100 * c.machineBusyShare()))
                                    .toList())));
            String offered = phase.equals("paced") ? "offered " + settings.sharedJoinsPerSecond() + "/s, "
                    : PLAYERS_AT_ONCE + " players at a time, ";
            results.add(new Figure(name, cpu * 1000 / decisions, "s", "", String.format(Locale.ROOT,
                    "both agents' utime+stime (/proc) over %d decisions, %d runs; %sgot %s joins/s; per run %s;"
                            + " redis-server %.3f s per 1000", decisions, costs.size(), offered,
                    costs.stream().map(c -> String.format(Locale.ROOT, "%.0f", c.joins() / c.seconds())).toList(),
                    costs.stream().map(c -> String.format(Locale.ROOT, "%.3f", c.agentPerThousand())).toList(),
                    redis * 1000 / decisions)));
        }
    }

    // The decisions' tail read against the floor measured beside them: the part of it that is the agents' own.
    private void addFloorFigures(String prefix, PingLatency floor, DecisionLatency latency, String when) {
        String how = floor.count() + " PINGs over " + when + ", every run, one every " + PingFloor.INTERVAL_MICROS
                + " us from a process of its own with the agent's JVM flags, to the stack's redis-server";
        results.add(new Figure(prefix + "floor.redis_ping.p50", floor.roundTripMillis(50), "ms", "", how));
        results.add(new Figure(prefix + "floor.redis_ping.p99", floor.roundTripMillis(99), "ms", "", how));
        results.add(new Figure(prefix + "floor.redis_ping.p99.9", floor.roundTripMillis(99.9), "ms", "", how));
        results.add(new Figure(prefix + "floor.woke_late.p99.9", floor.lateMillis(99.9), "ms", "",
                "how late the same process woke to send its PING, " + when));
        for (String decision : List.of("placed", "sticky")) {
            results.add(new Figure(prefix + decision + ".p99.9_over_floor",
                    latency.percentileMillis(decision, 99.9) / floor.roundTripMillis(99.9), "x", "",
                    decision + " decisions' p99.9 over the PING round trip's p99.9, " + when));
        }
    }

    private static List<Long> perRun(List<SharedRun> runs, Function<SharedRun, Long> value) {
        return runs.stream().map(value).toList();
    }

    private static Map<String, Long> totalDecisions(List<SharedRun> runs) {
        return runs.stream().flatMap(r -> r.decisions().entrySet().stream())
                .collect(Collectors.groupingBy(Map.Entry::getKey, TreeMap::new,
                        Collectors.summingLong(Map.Entry::getValue)));
    }

    /** One row per agent variant, side by side: what the flags of agent/jvm.options and the defaults are chosen by. */
    private void printSummary(Map<AgentVariant, Tally> tallies) {
        System.out.println();
        System.out.println("| agent JVM flags | runs (alternate, race) | split (alternate, race) | retry"
                + " | not answered in time | placed p50/p99/p99.9 ms | sticky p50/p99/p99.9 ms"
                + " | paced placed p50/p99/p99.9 ms | paced sticky p50/p99/p99.9 ms"
                + " | agent CPU s/1000 paced | at saturation | agent wait for a core s/1000 paced"
                + " | floor: Redis PING p50/p99/p99.9 ms | paced floor |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        tallies.forEach((variant, tally) -> {
            List<SharedRun> runs = tally.runs;
            System.out.printf(Locale.ROOT,
                    "| %s | %d, %d | %d, %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    variant.label(), count(runs, "alternate"), count(runs, "race"),
                    split(runs, "alternate"), split(runs, "race"),
                    runs.stream().mapToLong(r -> r.decided("retry")).sum(),
                    runs.stream().mapToLong(r -> r.decided("none")).sum(),
                    percentiles(tally.latency, "placed"), percentiles(tally.latency, "sticky"),
                    percentiles(tally.pacedLatency, "placed"), percentiles(tally.pacedLatency, "sticky"),
                    cpuPerThousand(tally, "paced"), cpuPerThousand(tally, "saturation"),
                    perThousand(tally, "paced", CpuCost::agentWaitSeconds), floorPercentiles(tally.floor),
                    floorPercentiles(tally.pacedFloor));
        });
    }

    private static long count(List<SharedRun> runs, String workload) {
        return runs.stream().filter(r -> r.workload().equals(workload)).count();
    }

    private static int split(List<SharedRun> runs, String workload) {
        return runs.stream().filter(r -> r.workload().equals(workload)).mapToInt(SharedRun::split).sum();
    }

    private static String percentiles(DecisionLatency latency, String decision) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", latency.percentileMillis(decision, 50),
                latency.percentileMillis(decision, 99), latency.percentileMillis(decision, 99.9));
    }

    private static String floorPercentiles(PingLatency floor) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", floor.roundTripMillis(50),
                floor.roundTripMillis(99), floor.roundTripMillis(99.9));
    }

    private static String cpuPerThousand(Tally tally, String phase) {
        return perThousand(tally, phase, CpuCost::agentCpuSeconds);
    }

    private static String perThousand(Tally tally, String phase, ToDoubleFunction<CpuCost> seconds) {
        List<CpuCost> costs = tally.cpu.getOrDefault(phase, List.of());
        double total = costs.stream().mapToDouble(seconds).sum();
        long decisions = costs.stream().mapToLong(CpuCost::decisions).sum();
        return decisions == 0 ? "-" : String.format(Locale.ROOT, "%.3f", total * 1000 / decisions);
    }
}
