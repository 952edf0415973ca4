package io.roomrouter.bench;

import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.RedisProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Part 1, the agent alone: our SPOP load generator against the agent jar, on the same two cores. Workloads:
 * sticky joins to known rooms, first joins (each one places a new room) and a mix (20% first joins), each at
 * saturation and at a fixed offered rate; the agent logging as shipped (one line per decision, stderr to a file)
 * and with decision logging at WARN.
 */
final class AgentAloneBench {
    /** Half the 100 000 decisions/s target: the rate where p99 must stay under 1 ms. */
    static final double FIXED_RATE = 50_000;
    private static final String SERVER_NAMES = "game1,game2,game3,game4,game5,game6,game7,game8";
    private static final String SERVERS = SpopLoadGenerator.BACKEND + "=" + SERVER_NAMES;
    private static final double FRESH_SHARE = 0.2;

    private final BenchSettings settings;
    private final Results results;

    AgentAloneBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    void run() throws Exception {
        if (settings.runsAgentPart("memory")) {
            runLogging("log-info", List.of(), true);
            runLogging("log-warn", List.of("-Dorg.slf4j.simpleLogger.log.decision=warn"), false);
        }
        if (settings.runsAgentPart("redis")) {
            runRedis();
        }
    }

    /**
     * Agent arguments that never run out of seats: 8 servers of 1 000 000 seats, rooms of 2, each new room holding
     * its seats for 5 s. A static inventory has no live counts, so a room holds its seats for the whole reservation
     * window: at the default 60 s, a run placing 250 000 rooms a second fills all 8 000 000 seats in its first
     * half-minute and answers {@code full}. Nor may it run out of rooms: at that rate the default --max-rooms
     * (1 000 000 a backend) is reached in 4 s, and every first join after it is refused.
     */
    static List<String> roomyAgent() {
        return List.of("--servers", SERVERS, "--server-capacity", "1000000", "--room-size", "2",
                "--reservation-window", "5s", "--max-rooms", "100000000");
    }

    private void runLogging(String mode, List<String> jvmArgs, boolean everyWorkload) throws Exception {
        try (AgentProcess agent = settings.startAgent("agent-" + mode, jvmArgs, roomyAgent());
                SpopLoadGenerator load =
                        SpopLoadGenerator.connect(agent.listen(), settings.connections(), settings.pipeline())) {
            load.preload(RoomSource.sequential("k"), settings.knownRooms());
            String prefix = "agent.memory." + mode + ".";
            RoomSource known = RoomSource.known("k", settings.knownRooms(), 1);
            // JIT warm-up on the same code paths (the first seconds of a fresh JVM run several times slower).
            load.run(RoomSource.mix(known, RoomSource.sequential("w-"), FRESH_SHARE, 3), 0, settings.agentWarmup(),
                    java.time.Duration.ofMillis(1));

            double cpuBefore = agent.cpuSeconds();
            long wallBefore = System.nanoTime();
            LoadResult sat = measure(load, known, 0);
            double cores = (agent.cpuSeconds() - cpuBefore) / ((System.nanoTime() - wallBefore) / 1e9);
            report(prefix + "known.saturation", sat, ">= 100000/s (log-warn or log-info)");
            results.add(new Figure(prefix + "known.saturation.agent_cpu", cores, "cores",
                    "", "agent process user+sys CPU / wall time, /proc/PID/stat"));
            results.add(new Figure(prefix + "known.saturation.agent_heap_used", agent.heapUsedBytes() / 1048576.0,
                    "MiB", "", "jcmd GC.heap_info after the run (no forced GC), agent/jvm.options"));

            LoadResult fixed = measure(load, known, FIXED_RATE);
            report(prefix + "known.fixed50k", fixed, "p99 <= 1 ms");

            RoomSource fresh = RoomSource.sequential("f-" + mode + "-");
            LoadResult firstSat = measure(load, fresh, 0);
            report(prefix + "first.saturation", firstSat, "");
            if (everyWorkload) {
                report(prefix + "first.fixed50k", measure(load, fresh, FIXED_RATE), "");
                RoomSource mix = RoomSource.mix(known, fresh, FRESH_SHARE, 2);
                report(prefix + "mix20.saturation", measure(load, mix, 0), "");
                report(prefix + "mix20.fixed50k", measure(load, mix, FIXED_RATE), "");
            }
            results.add(new Figure(prefix + "live_heap_after_runs", agent.liveHeapBytes() / 1048576.0, "MiB", "",
                    "jcmd GC.run then GC.heap_info, with every room placed by these runs"));
        }
    }

    /**
     * One load point: warm-up, then measurement, at {@code rate} per second (0: saturation). It starts once the
     * kernel has written the previous points' decision lines to disk (sync): logging every decision at 300 000 a
     * second writes about 50 MB of log a second, and the kernel writes dirty pages back about 30 s later, so a
     * saturation point's writeback otherwise lands, on the same two cores, in whichever point comes after it.
     */
    private LoadResult measure(SpopLoadGenerator load, RoomSource source, double rate) throws Exception {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (!sync.waitFor(2, TimeUnit.MINUTES)) {
            sync.destroyForcibly();
            throw new IllegalStateException("sync: not done in 2 minutes");
        }
        return load.run(source, rate, settings.warmup(), settings.measure());
    }

    private void report(String name, LoadResult r, String target) {
        String how = String.format(Locale.ROOT, "%d conns x %d pipelined, %.0fs, decisions %s",
                settings.connections(), settings.pipeline(), r.seconds(), r.byDecision());
        boolean fixed = name.contains("fixed");
        results.add(new Figure(name + ".decisions_per_s", r.perSecond(), "1/s",
                fixed ? "" : target, how + (fixed ? String.format(Locale.ROOT, ", offered %.0f/s",
                        r.offered() / r.seconds()) : "")));
        addLatencies(name + ".", r, fixed ? target : "");
        if (fixed) {
            results.add(new Figure(name + ".p99_from_send", r.fromSendPercentileMillis(99), "ms", "",
                    "from the NOTIFY's write to its ACK: the round trip without the generator's own lateness"));
        }
        checkDecisions(name, r.byDecision());
    }

    /**
     * One workload through the Redis store at {@code rate} per second (0: as fast as the agent answers). A join
     * Redis does not answer within {@code --redis-timeout} is refused ({@code retry}): counted as a decision, and
     * named in the figure's note, but not as a placement. {@code target} is that of the placements, which only
     * the first-join workload reports.
     */
    private void redisRun(String workload, String point, double rate, SpopLoadGenerator load, RoomSource source,
            AgentProcess agent, RedisProcess redis, String target) throws Exception {
        String prefix = "agent.redis." + workload + "." + point + ".";
        double agentCpuBefore = agent.cpuSeconds();
        double redisCpuBefore = redis.cpuSeconds();
        long wallBefore = System.nanoTime();
        LoadResult r = measure(load, source, rate);
        double wall = (System.nanoTime() - wallBefore) / 1e9;
        double agentCores = (agent.cpuSeconds() - agentCpuBefore) / wall;
        double redisCores = (redis.cpuSeconds() - redisCpuBefore) / wall;
        String how = String.format(Locale.ROOT, "one agent, log-info, %d conns x %d pipelined, %.0fs, decisions %s%s",
                settings.connections(), settings.pipeline(), r.seconds(), r.byDecision(),
                rate > 0 ? String.format(Locale.ROOT, ", offered %.0f/s", r.offered() / r.seconds()) : "");
        results.add(new Figure(prefix + "decisions_per_s", r.perSecond(), "1/s", "", how));
        if (workload.equals("first")) {
            results.add(new Figure(prefix + "placements_per_s", r.byDecision().getOrDefault("placed", 0L)
                    / r.seconds(), "1/s", target, "decisions 'placed' only (not retry)"));
        }
        results.add(new Figure(prefix + "agent_cpu", agentCores, "cores", "",
                "agent process user+sys CPU / wall time (warm-up and measure), /proc/PID/stat"));
        results.add(new Figure(prefix + "redis_cpu", redisCores, "cores", "",
                "redis-server used_cpu_user+used_cpu_sys (INFO cpu) / wall time (warm-up and measure)"));
        addLatencies(prefix, r, "");
    }

    /** p50, p99 (with {@code p99Target}) and p99.9 of {@code r}, named {@code prefix} + percentile. */
    private void addLatencies(String prefix, LoadResult r, String p99Target) {
        results.add(new Figure(prefix + "p50", r.percentileMillis(50), "ms", "", "from due time to ACK"));
        results.add(new Figure(prefix + "p99", r.percentileMillis(99), "ms", p99Target, "from due time to ACK"));
        results.add(new Figure(prefix + "p99.9", r.percentileMillis(99.9), "ms", "", "from due time to ACK"));
    }

    /** The backend that holds the {@code rooms} rooms whose Redis memory is measured, and nothing else. */
    private static String memoryBackend(int rooms) {
        return "be_memory_" + rooms;
    }

    /** A run where the agent answered something other than sticky or placed measured the wrong thing. */
    private static void checkDecisions(String name, Map<String, Long> byDecision) {
        List<String> odd = new ArrayList<>();
        byDecision.forEach((decision, count) -> {
            if (!decision.equals("sticky") && !decision.equals("placed")) {
                odd.add(decision + "=" + count);
            }
        });
        if (!odd.isEmpty()) {
            throw new IllegalStateException(name + ": unexpected decisions " + odd + " (expected: sticky, placed)");
        }
    }

    /**
     * The Redis store, one agent: first joins (every join places a new room in Redis), joins to known rooms, and
     * the mix. Then Redis memory per room: {@code INFO memory} used_memory before and after placing N rooms on a
     * backend of their own, over N. On one backend already holding the runs' rooms, the figure would depend on
     * where its room count stands against Redis' hash-table doublings (a doubling inside the N rooms adds 8 B per
     * bucket of the larger table to their share): 246 to 296 B at a million rooms.
     */
    private void runRedis() throws Exception {
        java.nio.file.Path work = settings.outDir().resolve("redis");
        try (RedisProcess redis = RedisProcess.start(settings.redisServer(), work)) {
            List<String> args = new ArrayList<>(roomyAgent());
            args.addAll(List.of("--redis", redis.uri()));
            for (int rooms : settings.heapRooms()) {
                args.addAll(List.of("--servers", memoryBackend(rooms) + "=" + SERVER_NAMES));
            }
            try (AgentProcess agent = settings.startAgent("agent-redis", List.of(), args);
                    SpopLoadGenerator load =
                            SpopLoadGenerator.connect(agent.listen(), settings.connections(), settings.pipeline())) {
                if (!agent.logText().contains("redis store")) {
                    throw new IllegalStateException("agent started without its Redis store:\n" + agent.logText());
                }
                RoomSource fresh = RoomSource.sequential("rf-");
                load.run(fresh, 0, settings.agentWarmup(), java.time.Duration.ofMillis(1));
                redisRun("first", "saturation", 0, load, fresh, agent, redis, ">= 20000/s");
                java.nio.file.Files.writeString(work.resolve("commandstats.txt"), redis.info("commandstats"));
                // Below saturation a join must not wait for others to fill a batch.
                redisRun("first", "fixed10k", 10_000, load, fresh, agent, redis, "");
                // Known rooms are answered from the agent's cache of Redis' answers; their touches go to Redis
                // in the background. The mix places a new room in one join of five.
                load.preload(RoomSource.sequential("rk"), settings.knownRooms());
                RoomSource known = RoomSource.known("rk", settings.knownRooms(), 1);
                redisRun("known", "saturation", 0, load, known, agent, redis, "");
                redisRun("known", "fixed50k", FIXED_RATE, load, known, agent, redis, "");
                redisRun("mix20", "saturation", 0, load, RoomSource.mix(known, fresh, FRESH_SHARE, 2), agent,
                        redis, "");
                for (int rooms : settings.heapRooms()) {
                    long before = redis.usedMemory();
                    load.preload(memoryBackend(rooms), RoomSource.sequential("rm-"), rooms);
                    long after = redis.usedMemory();
                    results.add(new Figure("scale.redis.bytes_per_room.rooms_" + rooms,
                            (after - before) / (double) rooms, "B",
                            rooms >= 1_000_000 ? "<= 262 B (250 MB / 1M rooms)" : "",
                            "INFO memory used_memory delta over " + rooms + " rooms placed through the agent on a "
                                    + "backend of their own, redis-server 7 defaults, no persistence"));
                }
            }
        }
    }
}
