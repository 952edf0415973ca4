package io.roomrouter.bench;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Part 2, through HAProxy: wrk sends Socket.IO polling joins with {@code ?room=} through the real HAProxy on the
 * reference configuration to three small backends, with the agent, and without it (the same file minus its
 * {@code filter spoe} line, so HAProxy balances on {@code url_param room} alone), in the same run.
 */
final class HaproxyBench {
    private final BenchSettings settings;
    private final Results results;

    HaproxyBench(BenchSettings settings, Results results) {
        this.settings = settings;
        this.results = results;
    }

    void run() throws Exception {
        Path reference = settings.haproxyDir().resolve("haproxy.cfg");
        if (!Files.exists(reference)) {
            for (String mode : List.of("log-info", "log-warn")) {
                results.add(Figure.missing("haproxy.with_agent." + mode + ".rps_ratio", "x", ">= 0.65",
                        "no reference config at " + reference + " (the e2e work has not landed on main)"));
                results.add(Figure.missing("haproxy.with_agent." + mode + ".p99_added_ms", "ms", "<= 1 ms",
                        "no reference config at " + reference + " (the e2e work has not landed on main)"));
            }
            return;
        }
        Path work = settings.outDir().resolve("haproxy");
        Files.createDirectories(work);
        Path noAgent = work.resolve("haproxy-noagent.cfg");
        Files.writeString(noAgent, withoutSpoe(Files.readString(reference, StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<SmallBackend> backends = new ArrayList<>();
        try {
            Map<String, String> env = new HashMap<>();
            for (int i = 1; i <= 3; i++) {
                SmallBackend backend = SmallBackend.start("game" + i, group);
                backends.add(backend);
                env.put("RR_GAME" + i + "_ADDR", backend.address());
            }
            env.put("RR_AGENT_ADDR", "127.0.0.1:" + FreePort.pick());
            Wrk.Result alone = measure(noAgent, work, "haproxy-noagent", env, null, List.of());
            Wrk.Result info = measure(reference, work, "haproxy-agent-log-info", env, "log-info", List.of());
            Wrk.Result warn = measure(reference, work, "haproxy-agent-log-warn", env, "log-warn",
                    List.of("-Dorg.slf4j.simpleLogger.log.decision=warn"));
            report("haproxy.without_agent", alone, "");
            report("haproxy.with_agent.log-info", info, "");
            report("haproxy.with_agent.log-warn", warn, "");
            for (Map.Entry<String, Wrk.Result> e : Map.of("log-info", info, "log-warn", warn).entrySet()) {
                Wrk.Result with = e.getValue();
                results.add(new Figure("haproxy.with_agent." + e.getKey() + ".rps_ratio",
                        with.requestsPerSecond() / alone.requestsPerSecond(), "x", ">= 0.65",
                        "requests/s with the agent over without, same HAProxy config minus the SPOE filter"));
                results.add(new Figure("haproxy.with_agent." + e.getKey() + ".p99_added_ms",
                        with.p99Millis() - alone.p99Millis(), "ms", "<= 1 ms", "wrk --latency p99 difference"));
            }
        } finally {
            backends.forEach(SmallBackend::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private Wrk.Result measure(Path config, Path work, String name, Map<String, String> env, String agentMode,
            List<String> agentJvmArgs) throws Exception {
        Path socket = BenchHaproxy.socketFor(name);
        BenchAgent agent = null;
        Map<String, String> runEnv = new HashMap<>(env);
        try {
            if (agentMode != null) {
                agent = BenchAgent.start(settings, name + "-agent", agentJvmArgs,
                        List.of("--haproxy-api", "unix:" + socket));
                runEnv.put("RR_AGENT_ADDR", "127.0.0.1:" + agent.address().getPort());
            }
            try (BenchHaproxy haproxy = BenchHaproxy.start(config, work, name, runEnv)) {
                if (agent != null) {
                    waitForInventory(agent);
                }
                // A short warm-up (JIT, connections to the backends and to the agent), then the measurement.
                Wrk.run(haproxy.port(), settings.wrkRooms(), settings.wrkConnections(),
                        java.time.Duration.ofSeconds(2), work);
                return Wrk.run(haproxy.port(), settings.wrkRooms(), settings.wrkConnections(),
                        settings.wrkDuration(), work);
            }
        } finally {
            if (agent != null) {
                agent.close();
            }
        }
    }

    /** The agent reads the runtime API about every second; until then it knows no backend. */
    private static void waitForInventory(BenchAgent agent) throws Exception {
        Thread.sleep(2_500);
        if (agent.logText().contains("cannot read")) {
            throw new IllegalStateException("agent cannot read HAProxy's runtime API:\n" + agent.logText());
        }
    }

    private void report(String name, Wrk.Result r, String target) {
        String how = String.format(Locale.ROOT, "wrk -t1 -c%d %ds, %d rooms, %d requests, %d non-2xx",
                settings.wrkConnections(), settings.wrkDuration().toSeconds(), settings.wrkRooms(), r.requests(),
                r.non2xx());
        results.add(new Figure(name + ".requests_per_s", r.requestsPerSecond(), "1/s", target, how));
        results.add(new Figure(name + ".p50", r.p50Millis(), "ms", "", "wrk --latency"));
        results.add(new Figure(name + ".p99", r.p99Millis(), "ms", "", "wrk --latency"));
    }

    /** The reference config without the SPOE filter: HAProxy alone, balancing on url_param room. */
    static String withoutSpoe(String config) {
        StringBuilder out = new StringBuilder();
        boolean removed = false;
        for (String line : config.split("\n", -1)) {
            if (line.trim().startsWith("filter spoe")) {
                removed = true;
                continue;
            }
            out.append(line).append('\n');
        }
        if (!removed) {
            throw new IllegalArgumentException("haproxy.cfg: no 'filter spoe' line (expected: the reference config)");
        }
        return out.toString();
    }
}
