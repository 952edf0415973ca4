package io.roomrouter.e2e;

import io.roomrouter.demo.GameServer;
import io.roomrouter.demo.GameServers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Several HAProxy instances in front of the same game servers game1..game3, each with its own agent that reads its
 * own HAProxy's runtime API, every agent sharing one Redis ({@code --redis}): the deployment in which the players of
 * one room reach different proxies. Redis itself is the caller's. {@link #close()} stops everything else.
 */
public final class SharedStoreStack implements AutoCloseable {

    /** One HAProxy and its agent; logs under {@code <logDir>/<name>/}. */
    public record Proxy(String name, HaproxyProcess haproxy, AgentProcess agent) {

        public InetSocketAddress frontend() {
            return haproxy.frontend();
        }

        public RuntimeApi runtimeApi() {
            return haproxy.runtimeApi();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final StartedProcesses started;
    private final List<Proxy> proxies = new ArrayList<>();
    private GameServers gameServers;

    private SharedStoreStack(StartedProcesses started) {
        this.started = started;
    }

    /** {@code redisUri} is what every agent gets as {@code --redis}, such as {@code redis://127.0.0.1:6379}. */
    public static Builder builder(Path logDir, String redisUri) {
        return new Builder(logDir, redisUri);
    }

    /** How to start the stack. */
    public static final class Builder {
        private final Path logDir;
        private final String redisUri;
        private final List<String> agentArgs = new ArrayList<>();
        private final List<String> agentJvmFlags = new ArrayList<>();
        private int proxies = 2;
        private Consumer<RuntimeApi> beforeAgent = api -> { };

        private Builder(Path logDir, String redisUri) {
            this.logDir = logDir;
            this.redisUri = redisUri;
        }

        /** How many HAProxy and agent pairs (default 2), each a peer of the others. */
        public Builder proxies(int count) {
            if (count < 1 || count > 3) {
                throw new IllegalArgumentException("proxies: " + count + " (expected: 1 to 3, the peers rr1..rr3)");
            }
            proxies = count;
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

        /** Runtime API commands run on every HAProxy once it is up and before its agent reads its inventory. */
        public Builder beforeAgent(Consumer<RuntimeApi> commands) {
            beforeAgent = commands;
            return this;
        }

        public SharedStoreStack start() throws InterruptedException {
            SharedStoreStack stack = new SharedStoreStack(StartedProcesses.create("shared store stack"));
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
        gameServers = GameServers.start(3);
        started.add(gameServers);
        List<InetSocketAddress> servers = gameServers.all().stream().map(GameServer::address).toList();
        List<String> agentArgs = new ArrayList<>(List.of("--redis", options.redisUri));
        agentArgs.addAll(options.agentArgs);
        // The proxies are peers (rr1, rr2... of the reference configuration): they share their stick tables.
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int i = 1; i <= options.proxies; i++) {
            peers.add(FreePort.next());
        }
        for (int i = 1; i <= options.proxies; i++) {
            String name = "proxy" + i;
            Path logDir = options.logDir.resolve(name);
            HaproxyProcess.Addresses addresses = new HaproxyProcess.Addresses(
                    FreePort.next(), servers, FreePort.next(), started.socket(name + ".sock"), "rr" + i, peers);
            HaproxyProcess haproxy = HaproxyProcess.start(layout, addresses, logDir);
            started.add(haproxy);
            options.beforeAgent.accept(haproxy.runtimeApi());
            AgentProcess agent =
                    AgentProcess.start(layout, addresses.agent(), addresses.statsSocket(), options.agentJvmFlags,
                            agentArgs, logDir);
            started.add(agent);
            proxies.add(new Proxy(name, haproxy, agent));
        }
        for (Proxy proxy : proxies) {
            awaitAgentUp(proxy);
        }
        awaitInventoryRefresh();
    }

    public List<Proxy> proxies() {
        return List.copyOf(proxies);
    }

    /** The {@code index}th proxy, from 0. */
    public Proxy proxy(int index) {
        return proxies.get(index);
    }

    public GameServers gameServers() {
        return gameServers;
    }

    /** Waits until {@code proxy}'s HAProxy sees its agent UP, after a start or a restart of either. */
    public void awaitAgentUp(Proxy proxy) throws InterruptedException {
        proxy.haproxy().awaitServerStatus(
                RoomRouterStack.AGENT_BACKEND, RoomRouterStack.AGENT_SERVER, "UP", Duration.ofSeconds(15));
    }

    /** Waits until every agent has read its runtime API again, after a change made there. */
    public void awaitInventoryRefresh() throws InterruptedException {
        Thread.sleep(RoomRouterStack.INVENTORY_REFRESH.toMillis());
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
