package io.roomrouter.e2e;

import io.roomrouter.demo.GameServer;
import io.roomrouter.demo.GameServers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The whole stack on 127.0.0.1: game servers game1..game3 in this JVM, haproxy with the reference
 * configuration, and the agent jar reading haproxy's runtime API. {@link #close()} stops all of it.
 */
public final class RoomRouterStack implements AutoCloseable {

    /** The game backend and the agent's backend and server in the reference configuration. */
    public static final String GAME_BACKEND = "be_game";
    public static final String AGENT_BACKEND = "be_room_agent";
    public static final String AGENT_SERVER = "agent1";

    /**
     * The agent reads server state and maxconn from the runtime API about every second: after a change there,
     * this long is enough for its next decision to know.
     */
    public static final Duration INVENTORY_REFRESH = Duration.ofMillis(2500);


    private final StartedProcesses started;
    private GameServers gameServers;
    private HaproxyProcess haproxy;
    private AgentProcess agent;

    private RoomRouterStack(StartedProcesses started) {
        this.started = started;
    }

    public static Builder builder(Path logDir) {
        return new Builder(logDir);
    }

    /** How to start the stack. */
    public static final class Builder {
        private final Path logDir;
        private final List<String> agentArgs = new ArrayList<>();
        private boolean withAgent = true;
        private InetSocketAddress frontend;
        private Consumer<RuntimeApi> beforeAgent = api -> { };
        private final java.util.Map<String, String> haproxyEnvironment = new java.util.HashMap<>();

        private Builder(Path logDir) {
            this.logDir = logDir;
        }

        /** Extra agent flags, such as {@code --room-size 10}. */
        public Builder agentArgs(String... args) {
            agentArgs.addAll(List.of(args));
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

        /** Where players connect; a free port when not set. */
        public Builder frontend(InetSocketAddress address) {
            frontend = address;
            return this;
        }

        /** Runtime API commands run once haproxy is up and before the agent reads its first inventory. */
        public Builder beforeAgent(Consumer<RuntimeApi> commands) {
            beforeAgent = commands;
            return this;
        }

        public RoomRouterStack start() throws InterruptedException {
            RoomRouterStack stack = new RoomRouterStack(StartedProcesses.create("room-router stack"));
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
        HaproxyProcess.Addresses addresses = new HaproxyProcess.Addresses(
                options.frontend != null ? options.frontend : FreePort.next(),
                gameServers.all().stream().map(GameServer::address).toList(),
                FreePort.next(),
                started.socket("admin.sock"));
        haproxy = HaproxyProcess.start(layout, addresses, options.haproxyEnvironment, options.logDir);
        started.add(haproxy);
        options.beforeAgent.accept(haproxy.runtimeApi());
        if (options.withAgent) {
            agent = AgentProcess.start(
                    layout, addresses.agent(), addresses.statsSocket(), options.agentArgs, options.logDir);
            started.add(agent);
            haproxy.awaitServerStatus(AGENT_BACKEND, AGENT_SERVER, "UP", Duration.ofSeconds(15));
            awaitInventoryRefresh();
        }
    }

    public InetSocketAddress frontend() {
        return haproxy.frontend();
    }

    public HaproxyProcess haproxy() {
        return haproxy;
    }

    public RuntimeApi runtimeApi() {
        return haproxy.runtimeApi();
    }

    public AgentProcess agent() {
        if (agent == null) {
            throw new IllegalStateException("agent: not started (expected: a stack built without withoutAgent())");
        }
        return agent;
    }

    public GameServers gameServers() {
        return gameServers;
    }

    /** Waits until the agent has read the runtime API again, after a change made there. */
    public void awaitInventoryRefresh() throws InterruptedException {
        Thread.sleep(INVENTORY_REFRESH.toMillis());
    }

    @Override
    public void close() {
        started.close();
    }
}
