package io.roomrouter.e2e;

import io.roomrouter.demo.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The real {@code haproxy} running the reference configuration unmodified ({@code haproxy -db -f
 * haproxy/haproxy.cfg}); only its {@code RR_*} environment variables differ from the defaults.
 */
public final class HaproxyProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final LoggedProcess process;
    private final InetSocketAddress frontend;
    private final RuntimeApi runtimeApi;

    private HaproxyProcess(LoggedProcess process, InetSocketAddress frontend, RuntimeApi runtimeApi) {
        this.process = process;
        this.frontend = frontend;
        this.runtimeApi = runtimeApi;
    }

    /** Where each process of the stack listens; {@code gameServers} fill game1..game3 in order. */
    public record Addresses(
            InetSocketAddress frontend, List<InetSocketAddress> gameServers, InetSocketAddress agent, Path statsSocket) {

        public Addresses {
            Objects.requireNonNull(frontend, "frontend");
            Objects.requireNonNull(agent, "agent");
            Objects.requireNonNull(statsSocket, "statsSocket");
            if (gameServers.size() != 3) {
                throw new IllegalArgumentException("gameServers: " + gameServers
                        + " (expected: 3 addresses, for game1..game3 of the reference configuration)");
            }
            gameServers = List.copyOf(gameServers);
        }

        Map<String, String> environment() {
            return Map.of(
                    "RR_BIND", HostPort.format(frontend),
                    "RR_GAME1_ADDR", HostPort.format(gameServers.get(0)),
                    "RR_GAME2_ADDR", HostPort.format(gameServers.get(1)),
                    "RR_GAME3_ADDR", HostPort.format(gameServers.get(2)),
                    "RR_AGENT_ADDR", HostPort.format(agent),
                    "RR_STATS_SOCKET", statsSocket.toString());
        }
    }

    /**
     * Starts haproxy and returns once the frontend accepts connections and the runtime API answers.
     * {@code spoeTimeout} is SPOE's {@code timeout processing} in HAProxy's time format, such as {@code 100ms}.
     */
    public static HaproxyProcess start(ProjectLayout layout, Addresses addresses, String spoeTimeout, Path logDir)
            throws InterruptedException {
        if (!spoeTimeout.matches("[0-9]+(ms|s)")) {
            throw new IllegalArgumentException("spoeTimeout: " + spoeTimeout + " (expected: a time such as 100ms)");
        }
        ProcessBuilder builder = new ProcessBuilder(
                "haproxy", "-db", "-f", layout.haproxyConfig().toString());
        builder.environment().putAll(addresses.environment());
        builder.environment().put("RR_SPOE_TIMEOUT", spoeTimeout);
        LoggedProcess process = LoggedProcess.start("haproxy", builder, logDir.resolve("haproxy.log"));
        HaproxyProcess haproxy =
                new HaproxyProcess(process, addresses.frontend(), new RuntimeApi(addresses.statsSocket()));
        try {
            haproxy.awaitReady();
        } catch (InterruptedException | RuntimeException e) {
            haproxy.close();
            throw e;
        }
        return haproxy;
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited during start-up:\n" + process.tail());
            }
            if (accepts(frontend) && Files.exists(runtimeApi.socket()) && answers(runtimeApi)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("haproxy: frontend " + HostPort.format(frontend) + " or runtime API "
                + runtimeApi.socket() + " not ready within " + START_TIMEOUT + ":\n" + process.tail());
    }

    private static boolean answers(RuntimeApi api) {
        try {
            return api.execute("show info").contains("Name: HAProxy");
        } catch (UncheckedIOException e) {
            return false; // the socket file exists a moment before haproxy serves it
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Where players connect. */
    public InetSocketAddress frontend() {
        return frontend;
    }

    public RuntimeApi runtimeApi() {
        return runtimeApi;
    }

    /** Waits until {@code show stat} reports {@code status} for the server, for example the agent coming UP. */
    public void awaitServerStatus(String backend, String server, String status, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = runtimeApi.serverStatus(backend, server).orElse("<no such server>");
            if (last.equals(status)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("haproxy: " + backend + "/" + server + " is " + last + " after " + timeout
                + " (expected: " + status + ")");
    }

    public List<String> log() {
        return process.lines();
    }

    public Path logFile() {
        return process.logFile();
    }

    @Override
    public void close() {
        process.close();
    }
}
