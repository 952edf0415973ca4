package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code haproxy} running the reference configuration unmodified ({@code haproxy -db -f
 * haproxy/haproxy.cfg}); only its {@code RR_*} environment variables differ from the defaults. Which haproxy
 * (Debian's 2.6, or a newer one) is {@link HaproxyBinary#configured()}.
 */
public final class HaproxyProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration BENCH_START_TIMEOUT = Duration.ofSeconds(10);

    private final ProcessBuilder builder;
    private final Path logFile;
    // A benchmark's haproxy logs every request: its output goes to the file, never through this JVM.
    private final boolean toFile;
    private final InetSocketAddress frontend;
    private final RuntimeApi runtimeApi;
    // Processes replaced by reload(): they finish their connections, and close() stops any still running.
    private final List<LoggedProcess> previous = new ArrayList<>();
    private LoggedProcess process;

    private HaproxyProcess(ProcessBuilder builder, Path logFile, boolean toFile, InetSocketAddress frontend,
            RuntimeApi runtimeApi) {
        this.builder = builder;
        this.logFile = logFile;
        this.toFile = toFile;
        this.frontend = frontend;
        this.runtimeApi = runtimeApi;
    }

    /**
     * Where each process of the stack listens; {@code gameServers} fill game1..game3 in order. {@code peers} are the
     * addresses of the reference configuration's peers rr1, rr2... (1 to 3 of them), shared by every HAProxy that
     * shares rooms; {@code peerName} is this HAProxy's own (rr1 for the first address).
     */
    public record Addresses(InetSocketAddress frontend, List<InetSocketAddress> gameServers, InetSocketAddress agent,
            Path statsSocket, String peerName, List<InetSocketAddress> peers) {

        public Addresses {
            Objects.requireNonNull(frontend, "frontend");
            Objects.requireNonNull(agent, "agent");
            Objects.requireNonNull(statsSocket, "statsSocket");
            Objects.requireNonNull(peerName, "peerName");
            if (gameServers.size() != 3) {
                throw new IllegalArgumentException("gameServers: " + gameServers
                        + " (expected: 3 addresses, for game1..game3 of the reference configuration)");
            }
            if (peers.isEmpty() || peers.size() > 3) {
                throw new IllegalArgumentException("peers: " + peers
                        + " (expected: 1 to 3 addresses, for rr1..rr3 of the reference configuration)");
            }
            if (!peerName.matches("rr[1-" + peers.size() + "]")) {
                throw new IllegalArgumentException(
                        "peerName: " + peerName + " (expected: rr1 to rr" + peers.size() + ", one of the peers)");
            }
            gameServers = List.copyOf(gameServers);
            peers = List.copyOf(peers);
        }

        /** A HAProxy alone: its only peer is itself, rr1 on a free port, which keeps its table across a reload. */
        public Addresses(
                InetSocketAddress frontend, List<InetSocketAddress> gameServers, InetSocketAddress agent, Path statsSocket) {
            this(frontend, gameServers, agent, statsSocket, "rr1", List.of(FreePort.next()));
        }

        Map<String, String> environment() {
            Map<String, String> environment = new HashMap<>(Map.of(
                    "RR_BIND", HostPort.format(frontend),
                    "RR_GAME1_ADDR", HostPort.format(gameServers.get(0)),
                    "RR_GAME2_ADDR", HostPort.format(gameServers.get(1)),
                    "RR_GAME3_ADDR", HostPort.format(gameServers.get(2)),
                    "RR_AGENT_ADDR", HostPort.format(agent),
                    "RR_STATS_SOCKET", statsSocket.toString(),
                    "RR_PEER_NAME", peerName));
            for (int i = 0; i < peers.size(); i++) {
                environment.put("RR_PEER" + (i + 1) + "_ADDR", HostPort.format(peers.get(i)));
            }
            return environment;
        }
    }

    /**
     * Starts haproxy and returns once the frontend accepts connections and the runtime API answers. Every setting
     * the file does not name through its addresses is its own default, such as SPOE's {@code timeout processing}.
     */
    public static HaproxyProcess start(ProjectLayout layout, Addresses addresses, Path logDir)
            throws InterruptedException {
        return start(layout, addresses, Map.of(), logDir);
    }

    /**
     * As {@link #start(ProjectLayout, Addresses, Path)}, with more of the environment variables the configuration
     * documents, such as {@code RR_JWT_KEYS} (token mode) or {@code RR_DEBUG_HEADERS}.
     */
    public static HaproxyProcess start(ProjectLayout layout, Addresses addresses, Map<String, String> environment,
            Path logDir) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                HaproxyBinary.configured().command(List.of("-db", "-f", layout.haproxyConfig().toString())));
        // Optional modes come only from the test that asks for them, never from the caller's shell, nor does an
        // RR_SPOE_TIMEOUT or a peer of the caller's shell: each would change what is tested.
        List.of("RR_JWT_KEYS", "RR_DEBUG_HEADERS", "RR_SPOE_TIMEOUT", "RR_PEER2_ADDR", "RR_PEER3_ADDR")
                .forEach(builder.environment()::remove);
        builder.environment().putAll(addresses.environment());
        builder.environment().putAll(environment);
        return started(new HaproxyProcess(builder, logDir.resolve("haproxy.log"), false, addresses.frontend(),
                new RuntimeApi(addresses.statsSocket())));
    }

    /**
     * HAProxy as a benchmark runs it: {@code haproxy -db -f config} (the reference configuration or one generated
     * from it) with {@code environment} as given, {@code RR_BIND} on a free port and {@code RR_STATS_SOCKET} at
     * {@code statsSocket}, its output going straight to {@code logFile} (not kept in memory: it logs every request);
     * returns once the frontend accepts connections and the runtime API answers.
     */
    public static HaproxyProcess startLoggingToFile(Path config, Map<String, String> environment, Path statsSocket,
            Path logFile) throws InterruptedException {
        try {
            Files.createDirectories(statsSocket.getParent());
            Files.deleteIfExists(statsSocket);
        } catch (IOException e) {
            throw new UncheckedIOException("haproxy: cannot prepare " + statsSocket, e);
        }
        InetSocketAddress frontend = FreePort.next();
        ProcessBuilder builder =
                new ProcessBuilder(HaproxyBinary.configured().command(List.of("-db", "-f", config.toString())));
        builder.environment().putAll(environment);
        builder.environment().put("RR_BIND", HostPort.format(frontend));
        builder.environment().put("RR_STATS_SOCKET", statsSocket.toString());
        return started(new HaproxyProcess(builder, logFile, true, frontend, new RuntimeApi(statsSocket)));
    }

    /** Starts {@code haproxy}; stops it again when it does not come up. */
    private static HaproxyProcess started(HaproxyProcess haproxy) throws InterruptedException {
        try {
            haproxy.launch(List.of());
        } catch (InterruptedException | RuntimeException e) {
            haproxy.close();
            throw e;
        }
        return haproxy;
    }

    private synchronized void launch(List<String> extraArgs) throws InterruptedException {
        List<String> command = new ArrayList<>(builder.command());
        command.addAll(extraArgs);
        ProcessBuilder launcher = new ProcessBuilder(command);
        launcher.environment().clear();
        launcher.environment().putAll(builder.environment());
        process = toFile
                ? LoggedProcess.startToFile("haproxy", launcher, logFile)
                : LoggedProcess.start("haproxy", launcher, logFile);
        awaitReady(process);
    }

    /**
     * A reload as operators do it: a new haproxy on the same configuration with {@code -sf <old pid>}, which takes
     * over the frontend and the runtime API and tells the old process to finish its connections and exit. Returns
     * once the new process answers on the runtime API. Runtime API changes (maxconn...) are not carried over.
     */
    public synchronized void reload() throws InterruptedException {
        LoggedProcess old = process;
        previous.add(old);
        launch(List.of("-sf", Long.toString(old.pid())));
    }

    /** The pid of the haproxy process serving now; a reload changes it. */
    public synchronized long pid() {
        return process.pid();
    }

    private void awaitReady(LoggedProcess starting) throws InterruptedException {
        Duration timeout = toFile ? BENCH_START_TIMEOUT : START_TIMEOUT;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!starting.isAlive()) {
                throw new IllegalStateException("haproxy exited during start-up:\n" + starting.tail());
            }
            // After a reload the old process may still answer on the socket until the new one takes it over.
            if (FreePort.listening(frontend) && Files.exists(runtimeApi.socket()) && answers(runtimeApi, starting.pid())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("haproxy: frontend " + HostPort.format(frontend) + " or runtime API "
                + runtimeApi.socket() + " not ready within " + timeout + ":\n" + starting.tail());
    }

    private static boolean answers(RuntimeApi api, long pid) {
        try {
            String info = api.execute("show info");
            return info.contains("Name: HAProxy") && info.lines().anyMatch(line -> line.equals("Pid: " + pid));
        } catch (UncheckedIOException e) {
            return false; // the socket file exists a moment before haproxy serves it
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

    /** The log lines of every process, a reloaded one's before its successor's. */
    public synchronized List<String> log() {
        List<String> all = new ArrayList<>();
        previous.forEach(p -> all.addAll(p.lines()));
        all.addAll(process.lines());
        return all;
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public synchronized void close() {
        previous.forEach(LoggedProcess::close);
        if (process != null) {
            process.close();
        }
    }

    /**
     * The rooms HAProxy remembers in {@code backend}'s stick table ({@code show table}), room to server name; a room
     * stored by a {@code set table} without a server name is absent.
     */
    public Map<String, String> stickTable(String backend) {
        Map<String, String> rooms = new HashMap<>();
        for (String line : runtimeApi.execute("show table " + backend).lines().toList()) {
            Matcher entry = STICK_ENTRY.matcher(line);
            if (entry.find()) {
                rooms.put(entry.group(1), entry.group(2));
            }
        }
        return rooms;
    }

    // 0x55d0c8d1e4a0: key=r42 use=0 exp=1799435 server_id=2 server_key=game2
    private static final Pattern STICK_ENTRY =
            Pattern.compile(" key=(\\S+) .*server_key=(\\S+)");
}
