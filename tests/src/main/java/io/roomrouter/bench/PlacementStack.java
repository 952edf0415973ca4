package io.roomrouter.bench;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HaproxyProcess;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.Stack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One running stack of a placement run, shared by {@link PlacementBench} and {@link PlacementCurveThroughHaproxy}:
 * kit {@link GameServer}s game1..gameN on one event loop, the real HAProxy with the configuration of a
 * {@link PlacementBench.Setup} (generated from the reference {@code haproxy/haproxy.cfg}, or that file itself for
 * room-router), and for room-router the agent through {@code bin/room-router} with an admin endpoint, where a room's
 * end is released as a game platform does ({@code POST /release}). Closing it stops everything it started.
 */
final class PlacementStack implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(15);
    private final MultiThreadIoEventLoopGroup group;
    private final Map<String, GameServer> backends;
    private final AgentProcess agent;
    private final int adminPort;
    private final HaproxyProcess haproxy;
    private final HttpClient http;

    private PlacementStack(MultiThreadIoEventLoopGroup group, Map<String, GameServer> backends, AgentProcess agent,
            int adminPort, HaproxyProcess haproxy) {
        this.group = group;
        this.backends = backends;
        this.agent = agent;
        this.adminPort = adminPort;
        this.haproxy = haproxy;
        this.http = agent == null ? null : HttpClient.newHttpClient();
    }

    /**
     * Starts a stack named {@code name} (its files go to {@code <outDir>/placement/}): {@code inConfig} game servers
     * in the configuration (the reference file names three) plus {@code spares} more started but not in it (to add
     * through the runtime API); for room-router, the agent at its shipped defaults but for {@code agentArgs} (then
     * {@link BenchSettings#placementAgentArgs()}). Returns once HAProxy runs and the agent has read the runtime API.
     */
    static PlacementStack start(BenchSettings settings, PlacementBench.Setup setup, String name, int inConfig,
            int spares, List<String> agentArgs) throws Exception {
        Path reference = settings.haproxyDir().resolve("haproxy.cfg");
        Path work = settings.outDir().resolve("placement");
        Files.createDirectories(work);
        boolean roomRouter = setup == PlacementBench.Setup.ROOM_ROUTER;
        Path config = roomRouter ? reference : work.resolve(name + ".cfg");
        if (!roomRouter) {
            Files.writeString(config, PlacementBench.configFor(setup, Files.readString(reference,
                    StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        }
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Map<String, GameServer> backends = new TreeMap<>();
        AgentProcess agent = null;
        HaproxyProcess haproxy = null;
        try {
            Map<String, String> env = new HashMap<>();
            for (int i = 1; i <= inConfig + spares; i++) {
                GameServer backend = GameServer.start("game" + i, group);
                backends.put(backend.name(), backend);
                if (i <= inConfig) {
                    env.put("RR_GAME" + i + "_ADDR", HostPort.format(backend.address()));
                }
            }
            env.put("RR_AGENT_ADDR", "127.0.0.1:" + FreePort.pick());
            int adminPort = 0;
            if (roomRouter) {
                adminPort = FreePort.pick();
                List<String> flags = new ArrayList<>(List.of(
                        "--haproxy-api", "unix:" + BenchSettings.haproxySocket(name),
                        "--admin", "127.0.0.1:" + adminPort));
                flags.addAll(agentArgs);
                flags.addAll(settings.placementAgentArgs()); // later flags win
                agent = settings.startAgent(name + "-agent", List.of(), flags);
                env.put("RR_AGENT_ADDR", "127.0.0.1:" + agent.listen().getPort());
            }
            haproxy = HaproxyProcess.startLoggingToFile(
                    config, env, BenchSettings.haproxySocket(name), work.resolve(name + ".log"));
            PlacementStack stack = new PlacementStack(group, backends, agent, adminPort, haproxy);
            if (agent != null) {
                // Before the first player: HAProxy asks the agent (its health check passed), and the agent has read
                // HAProxy's servers (it started first, so its first reads found no HAProxy).
                haproxy.awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "UP", READY_WITHIN);
                stack.awaitAgentReady();
            }
            return stack;
        } catch (Exception | Error e) {
            if (haproxy != null) {
                haproxy.close();
            }
            if (agent != null) {
                agent.close();
            }
            backends.values().forEach(GameServer::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    HaproxyProcess haproxy() {
        return haproxy;
    }

    /** The game servers by name, those in the configuration and the spares. */
    Map<String, GameServer> backends() {
        return backends;
    }

    /** Whether the room-router agent runs (and so rooms are released and its room API can be read). */
    boolean hasAgent() {
        return agent != null;
    }

    /**
     * What a game server does when a room's match ends: tells the agent, so that the room's seats come back. A room
     * the agent does not hold (404) is fine; nothing to do without an agent.
     */
    void release(String room) {
        if (agent == null) {
            return;
        }
        HttpResponse<String> reply = admin(HttpRequest.newBuilder(uri("/release?backend=be_game&room=" + room))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), "release " + room);
        if (reply.statusCode() != 200 && reply.statusCode() != 404) {
            throw new IllegalStateException("release " + room + ": HTTP " + reply.statusCode() + " " + reply.body());
        }
    }

    /** {@code GET <path>} on the agent's admin endpoint, the body of a 200. */
    String adminGet(String path) {
        HttpResponse<String> reply = admin(HttpRequest.newBuilder(uri(path)).GET().build(), "GET " + path);
        if (reply.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + reply.statusCode() + " " + reply.body());
        }
        return reply.body();
    }

    // The agent's readiness (GET /health/ready: 200 once its store answers and its runtime API read is fresh).
    private void awaitAgentReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(uri("/health/ready")).GET().build();
        for (HttpResponse<String> reply = admin(ready, "GET /health/ready"); reply.statusCode() != 200;
                reply = admin(ready, "GET /health/ready")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("agent not ready within " + READY_WITHIN.toSeconds() + " s: HTTP "
                        + reply.statusCode() + " " + reply.body());
            }
            Thread.sleep(50);
        }
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + adminPort + pathAndQuery);
    }

    private HttpResponse<String> admin(HttpRequest request, String what) {
        if (agent == null) {
            throw new IllegalStateException(what + ": no agent in this stack");
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    @Override
    public void close() {
        haproxy.close();
        if (agent != null) {
            agent.close();
        }
        backends.values().forEach(GameServer::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
