package io.roomrouter.kit;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The whole stack on 127.0.0.1: game servers game1..game3 in this JVM, then one or more HAProxy instances running
 * the reference configuration in front of them, each with its own agent (the jar, through {@code bin/room-router})
 * reading its own HAProxy's runtime API. Several proxies are peers (rr1, rr2... of the reference configuration) and
 * their agents usually share one Redis ({@link Builder#redis(String)}): the deployment in which the players of one
 * room reach different proxies. Redis itself is the caller's. {@link #close()} stops everything else.
 */
public final class Stack implements AutoCloseable {

    /** The game backend and the agent's backend and server in the reference configuration. */
    public static final String GAME_BACKEND = "be_game";
    public static final String AGENT_BACKEND = "be_room_agent";
    public static final String AGENT_SERVER = "agent1";

    /**
     * The agent reads server state and maxconn from the runtime API about every second: after a change there,
     * this long is enough for its next decision to know.
     */
    public static final Duration INVENTORY_REFRESH = Duration.ofMillis(2500);

    /**
     * One HAProxy and its agent (none with {@link Builder#withoutAgent()}). With one proxy its logs are in the
     * stack's log directory; with several, under {@code <logDir>/<name>/}.
     */
    public record Proxy(String name, HaproxyProcess haproxy, AgentProcess agent) {

        public InetSocketAddress frontend() {
            return haproxy.frontend();
        }

        public RuntimeApi runtimeApi() {
            return haproxy.runtimeApi();
        }

        @Override
        public AgentProcess agent() {
            if (agent == null) {
                throw new IllegalStateException(
                        "agent: not started (expected: a stack built without withoutAgent())");
            }
            return agent;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final StartedProcesses started;
    private final List<Proxy> proxies = new ArrayList<>();
    private GameServers gameServers;

    private Stack(StartedProcesses started) {
        this.started = started;
    }

    public static Builder builder(Path logDir) {
        return new Builder(logDir);
    }

    /** How to start the stack. */
    public static final class Builder {
        private final Path logDir;
        private final List<String> agentArgs = new ArrayList<>();
        private final List<String> agentJvmFlags = new ArrayList<>();
        private final Map<String, String> haproxyEnvironment = new HashMap<>();
        private int proxies = 1;
        private String redisUri;
        private boolean withAgent = true;
        private InetSocketAddress frontend;
        private Consumer<RuntimeApi> beforeAgent = api -> { };

        private Builder(Path logDir) {
            this.logDir = logDir;
        }

        /** How many HAProxy and agent pairs (default 1), each a peer of the others. */
        public Builder proxies(int count) {
            if (count < 1 || count > 3) {
                throw new IllegalArgumentException("proxies: " + count + " (expected: 1 to 3, the peers rr1..rr3)");
            }
            proxies = count;
            return this;
        }

        /** What every agent gets as {@code --redis}, such as {@code redis://127.0.0.1:6379}; none by default. */
        public Builder redis(String uri) {
            redisUri = uri;
            return this;
        }

        /** Extra flags for every agent, such as {@code --room-size 10}. */
        public Builder agentArgs(String... args) {
            agentArgs.addAll(List.of(args));
            return this;
        }

        /** Extra JVM flags for every agent, after {@code agent/jvm.options}: {@code -XX:TieredStopAtLevel=1}... */
        public Builder agentJvmFlags(List<String> flags) {
            agentJvmFlags.addAll(flags);
            return this;
        }

        /** An environment variable of haproxy's that the reference configuration documents, such as RR_JWT_KEYS. */
        public Builder haproxyEnvironment(String name, String value) {
            haproxyEnvironment.put(name, value);
            return this;
        }

        /** HAProxy alone: every join falls back to hashing. */
        public Builder withoutAgent() {
            withAgent = false;
            return this;
        }

        /** Where players connect to the first proxy; a free port when not set. */
        public Builder frontend(InetSocketAddress address) {
            frontend = address;
            return this;
        }

        /** Runtime API commands run on every HAProxy once it is up and before its agent reads its inventory. */
        public Builder beforeAgent(Consumer<RuntimeApi> commands) {
            beforeAgent = commands;
            return this;
        }

        public Stack start() throws InterruptedException {
            Stack stack = new Stack(StartedProcesses.create("room-router stack"));
            try {
                stack.launch(this);
            } catch (InterruptedException | RuntimeException e) {
                stack.close();
                throw e;
            }
            return stack;
        }
    }

    private void launch(Builder options) throws InterruptedException {
        ProjectLayout layout = ProjectLayout.locate();
        // Game servers first: haproxy's health checks then find them UP from the start.
        gameServers = GameServers.start(3);
        started.add(gameServers);
        List<InetSocketAddress> servers = gameServers.all().stream().map(GameServer::address).toList();
        List<String> agentArgs = new ArrayList<>();
        if (options.redisUri != null) {
            agentArgs.addAll(List.of("--redis", options.redisUri));
        }
        agentArgs.addAll(options.agentArgs);
        // The proxies are peers (rr1, rr2... of the reference configuration): they share their stick tables. A proxy
        // alone is its own only peer, which keeps its table across a reload.
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int i = 1; i <= options.proxies; i++) {
            peers.add(FreePort.next());
        }
        boolean alone = options.proxies == 1;
        for (int i = 1; i <= options.proxies; i++) {
            String name = "proxy" + i;
            Path logDir = alone ? options.logDir : options.logDir.resolve(name);
            InetSocketAddress frontend = i == 1 && options.frontend != null ? options.frontend : FreePort.next();
            HaproxyProcess.Addresses addresses = new HaproxyProcess.Addresses(frontend, servers, FreePort.next(),
                    started.socket(alone ? "admin.sock" : name + ".sock"), "rr" + i, peers);
            HaproxyProcess haproxy = HaproxyProcess.start(layout, addresses, options.haproxyEnvironment, logDir);
            started.add(haproxy);
            options.beforeAgent.accept(haproxy.runtimeApi());
            AgentProcess agent = null;
            if (options.withAgent) {
                agent = AgentProcess.start(layout, addresses.agent(), addresses.statsSocket(), options.agentJvmFlags,
                        agentArgs, logDir);
                started.add(agent);
            }
            proxies.add(new Proxy(name, haproxy, agent));
        }
        if (options.withAgent) {
            for (Proxy proxy : proxies) {
                awaitAgentUp(proxy);
            }
            awaitInventoryRefresh();
        }
    }

    public List<Proxy> proxies() {
        return List.copyOf(proxies);
    }

    /** The {@code index}th proxy, from 0. */
    public Proxy proxy(int index) {
        return proxies.get(index);
    }

    /** Where players connect to the first proxy (the only one, unless {@link Builder#proxies(int)}). */
    public InetSocketAddress frontend() {
        return proxy(0).frontend();
    }

    /** The first proxy's HAProxy. */
    public HaproxyProcess haproxy() {
        return proxy(0).haproxy();
    }

    /** The first proxy's runtime API. */
    public RuntimeApi runtimeApi() {
        return proxy(0).runtimeApi();
    }

    /** The first proxy's agent. */
    public AgentProcess agent() {
        return proxy(0).agent();
    }

    public GameServers gameServers() {
        return gameServers;
    }

    /** Waits until {@code proxy}'s HAProxy sees its agent UP, after a start or a restart of either. */
    public void awaitAgentUp(Proxy proxy) throws InterruptedException {
        proxy.haproxy().awaitServerStatus(AGENT_BACKEND, AGENT_SERVER, "UP", Duration.ofSeconds(15));
    }

    /** Waits until every agent has read its runtime API again, after a change made there. */
    public void awaitInventoryRefresh() throws InterruptedException {
        Thread.sleep(INVENTORY_REFRESH.toMillis());
    }

    /** Connections open now to each server of {@code backend}, summed over every HAProxy. */
    public Map<String, Integer> currentSessions(String backend) {
        Map<String, Integer> total = new TreeMap<>();
        for (Proxy proxy : proxies) {
            proxy.runtimeApi().currentSessions(backend).forEach((server, n) -> total.merge(server, n, Integer::sum));
        }
        return total;
    }

    @Override
    public void close() {
        started.close();
    }
}
