package io.roomrouter.bench;

import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.FreePort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Sizes and durations of a run, from system properties; {@code -Dbench.quick=true} shrinks everything to a
 * smoke run of a few minutes. Every property is optional:
 * {@code bench.root} (the repository, default {@code .}), {@code bench.out} (default
 * {@code tests/target/bench}), {@code bench.suites} (comma list of agent, scale, haproxy, placement,
 * placement-curve, placement-curve-haproxy, shared, soak; default agent, scale, haproxy, placement: placement runs
 * placement-curve and placement-curve-haproxy too),
 * {@code bench.agentParts} (which parts the agent suite runs: comma list of memory, redis; default both),
 * {@code bench.seconds} / {@code bench.warmup} (per load point), {@code bench.agentWarmup} (once per agent), {@code bench.connections}, {@code bench.pipeline},
 * {@code bench.knownRooms}, {@code bench.heapRooms} (comma list), {@code bench.wrkSeconds},
 * {@code bench.wrkConnections}, {@code bench.wrkRooms}, {@code bench.placementRooms}, {@code bench.curveRooms},
 * {@code bench.curveSeed}, {@code bench.curveServers}, {@code bench.curveLoads}, {@code bench.curveWindows} and
 * {@code bench.curveHolds} (the simulated placement curve),
 * {@code bench.curveHaproxyRooms} and {@code bench.curveHaproxyVariant} (the curve through HAProxy),
 * {@code bench.redis} (the redis-server binary), {@code bench.agentJvmArgs} (extra agent JVM flags, e.g. for JFR),
 * {@code bench.agentArgs} (extra agent flags for the agents it starts itself), {@code bench.sharedRuns} (runs of
 * each workload of the shared suite), {@code bench.sharedAgentVariants} (the agent JVM or agent flags it compares,
 * {@code default|-XX:TieredStopAtLevel=1|--io-threads 2}), {@code bench.sharedCpuSeconds} (length of its
 * paced CPU phase) and {@code bench.sharedJoinsPerSecond} (that phase's rate); the soak suite, run only when
 * named: {@code bench.soakPlayers}, {@code bench.soakMinutes}, {@code bench.soakRoomSeconds} and
 * {@code bench.soakSampleSeconds}.
 */
record BenchSettings(
        boolean quick,
        Path root,
        Path outDir,
        Set<String> suites,
        Set<String> agentParts,
        Duration measure,
        Duration warmup,
        Duration agentWarmup,
        int connections,
        int pipeline,
        int knownRooms,
        List<Integer> heapRooms,
        Duration wrkDuration,
        int wrkConnections,
        int wrkRooms,
        int placementRooms,
        String redisServer) {

    /**
     * How long a benchmark's player waits for its seat: HAProxy queues a player behind a full server instead of
     * refusing it, and such a join counts as refused.
     */
    static final Duration JOIN_TIMEOUT = Duration.ofMillis(500);

    static BenchSettings fromSystemProperties() {
        boolean quick = Boolean.getBoolean("bench.quick");
        Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        Path out = root.resolve(System.getProperty("bench.out", "tests/target/bench")).normalize();
        return new BenchSettings(
                quick,
                root,
                out,
                Set.copyOf(Arrays.asList(System.getProperty("bench.suites", "agent,scale,haproxy,placement")
                        .split(","))),
                Set.copyOf(Arrays.asList(System.getProperty("bench.agentParts", "memory,redis").split(","))),
                Duration.ofSeconds(Long.getLong("bench.seconds", quick ? 2 : 8)),
                Duration.ofSeconds(Long.getLong("bench.warmup", quick ? 1 : 3)),
                Duration.ofSeconds(Long.getLong("bench.agentWarmup", quick ? 3 : 10)),
                Integer.getInteger("bench.connections", 8),
                Integer.getInteger("bench.pipeline", 20),
                Integer.getInteger("bench.knownRooms", quick ? 2_000 : 20_000),
                Arrays.stream(System.getProperty("bench.heapRooms", quick ? "10000,100000" : "100000,1000000")
                        .split(",")).map(String::trim).map(Integer::valueOf).toList(),
                Duration.ofSeconds(Long.getLong("bench.wrkSeconds", quick ? 3 : 10)),
                Integer.getInteger("bench.wrkConnections", 64),
                Integer.getInteger("bench.wrkRooms", 24),
                Integer.getInteger("bench.placementRooms", quick ? 60 : 240),
                System.getProperty("bench.redis", "redis-server"));
    }

    boolean runs(String suite) {
        return suites.contains(suite);
    }

    /** Whether the agent suite runs its {@code memory} store part or its {@code redis} store part. */
    boolean runsAgentPart(String part) {
        return agentParts.contains(part);
    }

    /** {@code bin/room-router}: the agent jar with its JVM flags as shipped, as operators start it. */
    Path launcher() {
        return root.resolve("bin/room-router");
    }

    Path haproxyDir() {
        return Path.of(System.getProperty("bench.haproxyDir", root.resolve("haproxy").toString()));
    }

    /**
     * Extra JVM flags for every agent started, from {@code bench.agentJvmArgs} (space separated), e.g. JFR; they reach
     * the agent in {@code RR_JAVA_OPTS}.
     */
    List<String> agentJvmArgs() {
        return spaceSeparated("bench.agentJvmArgs");
    }

    /**
     * Extra agent flags for every agent {@link #startAgent} starts, from {@code bench.agentArgs} (space separated),
     * e.g. {@code --io-threads 2}: to compare a default on the agent-alone and HAProxy suites, one run each.
     */
    List<String> agentArgs() {
        return spaceSeparated("bench.agentArgs");
    }

    /**
     * The agent as operators run it, through {@code bin/room-router} on a free port, with {@code jvmArgs} then
     * {@link #agentJvmArgs()} in {@code RR_JAVA_OPTS} and {@code agentArgs} then {@link #agentArgs()}, logging to
     * {@code <outDir>/<name>.log}; returns once it is ready.
     */
    AgentProcess startAgent(String name, List<String> jvmArgs, List<String> agentArgs) throws InterruptedException {
        List<String> jvmFlags = new ArrayList<>(jvmArgs);
        jvmFlags.addAll(agentJvmArgs());
        List<String> flags = new ArrayList<>(agentArgs);
        flags.addAll(agentArgs());
        return AgentProcess.startLoggingToFile(launcher(), FreePort.next(), jvmFlags, flags,
                outDir().resolve(name + ".log"));
    }

    /**
     * Where the runtime API socket of the haproxy called {@code name} goes: a short directory under the temp
     * directory, as a unix socket path is limited to 107 bytes and the build directory may be deep.
     */
    static Path haproxySocket(String name) {
        return Path.of(System.getProperty("java.io.tmpdir"), "rr-bench-" + ProcessHandle.current().pid(),
                name + ".sock");
    }

    /** Extra agent flags for the placement run only, from {@code bench.placementAgentArgs} (default: none). */
    List<String> placementAgentArgs() {
        return spaceSeparated("bench.placementAgentArgs");
    }

    // The flags a property holds, split on whitespace; none when it is unset or blank.
    private static List<String> spaceSeparated(String property) {
        String flags = System.getProperty(property, "").trim();
        return flags.isEmpty() ? List.of() : List.of(flags.split("\\s+", -1));
    }

    /** Rooms each load of the simulated placement curve offers, from {@code bench.curveRooms}. */
    int curveRooms() {
        return Integer.getInteger("bench.curveRooms", quick ? 3_000 : 20_000);
    }

    /**
     * The other reservation windows the placement curve runs room-router with, from {@code bench.curveWindows}
     * (comma list of seconds, default 20,10; empty for none).
     */
    List<Duration> curveWindows() {
        return numbers("bench.curveWindows", "20,10").stream().map(Duration::ofSeconds).toList();
    }

    /**
     * The other straggler holds the placement curve runs room-router with, from {@code bench.curveHolds} (comma list
     * of seconds, default 3600,1,5,30; one longer than the window is the store as it was before the hold; empty for
     * none).
     */
    List<Duration> curveHolds() {
        return numbers("bench.curveHolds", "3600,1,5,30").stream().map(Duration::ofSeconds).toList();
    }

    /**
     * Rooms each load of the placement curve through HAProxy offers, from {@code bench.curveHaproxyRooms}: 600 take
     * about 18 minutes for the five loads (the quick run: 80 rooms, one load, under a minute).
     */
    int curveHaproxyRooms() {
        return Integer.getInteger("bench.curveHaproxyRooms", quick ? 80 : 600);
    }

    /**
     * Agent flags of a fifth configuration of the curve through HAProxy, room-router with these flags too, from
     * {@code bench.curveHaproxyVariant} (space separated, e.g. {@code --refresh-interval 100ms}; default: none).
     */
    List<String> curveHaproxyVariant() {
        return spaceSeparated("bench.curveHaproxyVariant");
    }

    /**
     * The server counts the simulated placement curve runs, from {@code bench.curveServers} (comma list, default
     * 3,30,40): one count and more rooms tell a small difference from the workload's noise.
     */
    int[] curveServerCounts() {
        List<Long> counts = numbers("bench.curveServers", "");
        return counts.isEmpty() ? PlacementCurve.SERVER_COUNTS
                : counts.stream().mapToInt(Math::toIntExact).toArray();
    }

    /**
     * The offered loads the simulated placement curve runs, from {@code bench.curveLoads} (comma list of percents,
     * default 50,70,85,95,110).
     */
    double[] curveLoads() {
        List<Long> percents = numbers("bench.curveLoads", "");
        return percents.isEmpty() ? PlacementCurve.LOADS
                : percents.stream().mapToDouble(percent -> percent / 100.0).toArray();
    }

    // A comma list of whole numbers from a property (its default when unset); none when it is blank.
    private static List<Long> numbers(String property, String defaults) {
        String text = System.getProperty(property, defaults).trim();
        List<Long> numbers = new ArrayList<>();
        for (String part : text.isEmpty() ? new String[0] : text.split(",", -1)) {
            try {
                numbers.add(Long.valueOf(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(property + ": " + text + " (expected: whole numbers, comma"
                        + " separated)", e);
            }
        }
        return numbers;
    }

    /** The seed of the placement curve's workload, from {@code bench.curveSeed}. */
    long curveSeed() {
        return Long.getLong("bench.curveSeed", 16);
    }

    /** How many times the shared suite runs each workload for each agent variant, from {@code bench.sharedRuns}. */
    int sharedRuns() {
        return Integer.getInteger("bench.sharedRuns", quick ? 2 : 10);
    }

    /** The agent JVM or agent flags the shared suite compares, from {@code bench.sharedAgentVariants} (default: as shipped). */
    List<AgentVariant> sharedAgentVariants() {
        return AgentVariant.parseAll(System.getProperty("bench.sharedAgentVariants", "default"));
    }

    /** How long the shared suite's paced phase offers joins, from {@code bench.sharedCpuSeconds}. */
    Duration sharedCpuDuration() {
        return Duration.ofSeconds(Long.getLong("bench.sharedCpuSeconds", quick ? 3 : 10));
    }

    /** The paced phase's offered joins per second over both proxies, from {@code bench.sharedJoinsPerSecond}. */
    int sharedJoinsPerSecond() {
        return Integer.getInteger("bench.sharedJoinsPerSecond", 1000);
    }

    /** Players the soak holds at once, from {@code bench.soakPlayers}. */
    int soakPlayers() {
        return Integer.getInteger("bench.soakPlayers", quick ? 800 : 8000);
    }

    /** How long the soak runs, from {@code bench.soakMinutes}. */
    Duration soakDuration() {
        return Duration.ofMinutes(Long.getLong("bench.soakMinutes", quick ? 1 : 30));
    }

    /** How long each soak room lives, from {@code bench.soakRoomSeconds}. */
    Duration soakRoomLife() {
        return Duration.ofSeconds(Long.getLong("bench.soakRoomSeconds", quick ? 20 : 120));
    }

    /** How often the soak samples, from {@code bench.soakSampleSeconds}. */
    Duration soakSampleEvery() {
        return Duration.ofSeconds(Long.getLong("bench.soakSampleSeconds", quick ? 10 : 60));
    }
}
