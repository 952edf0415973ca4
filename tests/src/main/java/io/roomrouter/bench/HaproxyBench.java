package io.roomrouter.bench;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HaproxyProcess;
import io.roomrouter.kit.HostPort;
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
 * {@code filter spoe} line, so HAProxy balances on {@code url_param room} alone), in the same run: all three
 * stacks run at once and wrk measures them in turn, {@link #ROUNDS} times.
 */
final class HaproxyBench {
    /** Rounds of the three configurations; every figure is the median of its rounds. */
    private static final int ROUNDS = 3;

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
        List<GameServer> backends = new ArrayList<>();
        List<Stack> stacks = new ArrayList<>();
        try {
            Map<String, String> env = new HashMap<>();
            for (int i = 1; i <= 3; i++) {
                GameServer backend = GameServer.start("game" + i, group);
                backends.add(backend);
                env.put("RR_GAME" + i + "_ADDR", HostPort.format(backend.address()));
            }
            env.put("RR_AGENT_ADDR", "127.0.0.1:" + FreePort.pick());
            Stack alone = Stack.start(settings, noAgent, work, "haproxy-noagent", env, null, List.of());
            stacks.add(alone);
            Stack info = Stack.start(settings, reference, work, "haproxy-agent-log-info", env, "log-info", List.of());
            stacks.add(info);
            Stack warn = Stack.start(settings, reference, work, "haproxy-agent-log-warn", env, "log-warn",
                    List.of("-Dorg.slf4j.simpleLogger.log.decision=warn"));
            stacks.add(warn);
            waitForInventory(info.agent);
            waitForInventory(warn.agent);
            // A short warm-up each (JIT, connections to the backends and to the agent), then the rounds.
            for (Stack stack : stacks) {
                Wrk.run(stack.haproxy.frontend().getPort(), settings.wrkRooms(), settings.wrkConnections(),
                        java.time.Duration.ofSeconds(2), work);
            }
            // This machine is shared: one run of each, one after the other, let a slow spell land on one
            // configuration only. Each round runs all three, in an order rotated from round to round, and the
            // ratios are taken within a round, then their median.
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < stacks.size(); i++) {
                    Stack stack = stacks.get((round + i) % stacks.size());
                    stack.runs.add(Wrk.run(stack.haproxy.frontend().getPort(), settings.wrkRooms(),
                            settings.wrkConnections(), settings.wrkDuration(), work));
                }
            }
            report("haproxy.without_agent", alone.runs);
            report("haproxy.with_agent.log-info", info.runs);
            report("haproxy.with_agent.log-warn", warn.runs);
            for (Stack with : List.of(info, warn)) {
                List<Double> ratios = new ArrayList<>();
                List<Double> added = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    Wrk.Result base = alone.runs.get(round);
                    ratios.add(with.runs.get(round).requestsPerSecond() / base.requestsPerSecond());
                    added.add(with.runs.get(round).p99Millis() - base.p99Millis());
                }
                String prefix = "haproxy.with_agent." + with.mode + ".";
                results.add(new Figure(prefix + "rps_ratio", median(ratios), "x", ">= 0.65",
                        "median over " + ROUNDS + " rounds of requests/s with the agent over without, same HAProxy"
                                + " config minus the SPOE filter; rounds " + list(ratios, "%.3f")));
                results.add(new Figure(prefix + "p99_added_ms", median(added), "ms", "<= 1 ms",
                        "median over " + ROUNDS + " rounds of the wrk --latency p99 difference; rounds "
                                + list(added, "%+.2f")));
            }
        } finally {
            for (int i = stacks.size() - 1; i >= 0; i--) {
                stacks.get(i).close();
            }
            backends.forEach(GameServer::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** One HAProxy, with its agent when {@code mode} names one, and its wrk runs. */
    private static final class Stack implements AutoCloseable {
        final String mode;
        final AgentProcess agent;
        final HaproxyProcess haproxy;
        final List<Wrk.Result> runs = new ArrayList<>();

        private Stack(String mode, AgentProcess agent, HaproxyProcess haproxy) {
            this.mode = mode;
            this.agent = agent;
            this.haproxy = haproxy;
        }

        static Stack start(BenchSettings settings, Path config, Path work, String name, Map<String, String> env,
                String mode, List<String> agentJvmArgs) throws Exception {
            Path socket = BenchSettings.haproxySocket(name);
            Map<String, String> runEnv = new HashMap<>(env);
            AgentProcess agent = null;
            try {
                if (mode != null) {
                    agent = settings.startAgent(name + "-agent", agentJvmArgs,
                            List.of("--haproxy-api", "unix:" + socket));
                    runEnv.put("RR_AGENT_ADDR", "127.0.0.1:" + agent.listen().getPort());
                }
                return new Stack(mode, agent, HaproxyProcess.startLoggingToFile(
                        config, runEnv, socket, work.resolve(name + ".log")));
            } catch (Exception | Error e) {
                if (agent != null) {
                    agent.close();
                }
                throw e;
            }
        }

        @Override
        public void close() {
            haproxy.close();
            if (agent != null) {
                agent.close();
            }
        }
    }

    /** The agent reads the runtime API about every second; until then it knows no backend. */
    private static void waitForInventory(AgentProcess agent) throws Exception {
        Thread.sleep(2_500);
        if (agent.logText().contains("cannot read")) {
            throw new IllegalStateException("agent cannot read HAProxy's runtime API:\n" + agent.logText());
        }
    }

    private void report(String name, List<Wrk.Result> runs) {
        long requests = runs.stream().mapToLong(Wrk.Result::requests).sum();
        long non2xx = runs.stream().mapToLong(Wrk.Result::non2xx).sum();
        String how = String.format(Locale.ROOT, "median of %d rounds of wrk -t1 -c%d %ds, %d rooms, %d requests,"
                        + " %d non-2xx", runs.size(), settings.wrkConnections(), settings.wrkDuration().toSeconds(),
                settings.wrkRooms(), requests, non2xx);
        List<Double> rps = runs.stream().map(Wrk.Result::requestsPerSecond).toList();
        results.add(new Figure(name + ".requests_per_s", median(rps), "1/s", "", how + "; rounds "
                + list(rps, "%.0f")));
        results.add(new Figure(name + ".p50", median(runs.stream().map(Wrk.Result::p50Millis).toList()), "ms", "",
                "wrk --latency, median of the rounds"));
        results.add(new Figure(name + ".p99", median(runs.stream().map(Wrk.Result::p99Millis).toList()), "ms", "",
                "wrk --latency, median of the rounds"));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String list(List<Double> values, String format) {
        return String.join(" ", values.stream().map(v -> String.format(Locale.ROOT, format, v)).toList());
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
