package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Redis Sentinel on 127.0.0.1, each process on a free port: a primary, one replica of it, and three sentinels
 * watching them as {@value #MASTER} with a quorum of two. A sentinel is {@code redis-server CONF --sentinel}, all that
 * Debian's redis-sentinel package runs. The sentinels call the primary down {@link #DOWN_AFTER} after it stops
 * answering and promote the replica within a few seconds more. Nothing is persisted. {@link #close()} stops every
 * process.
 *
 * <p>Questions to the sentinels and servers go through {@code redis-cli} (redis-server's own client, installed with
 * it): a few calls per test, where a process each costs nothing that matters.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    /** The name the sentinels know the primary by, the URI's {@code #fragment}. */
    public static final String MASTER = "rrmaster";
    /** How long the primary may not answer before a sentinel holds it down. */
    public static final Duration DOWN_AFTER = Duration.ofSeconds(1);
    // A failover that did not complete is tried again after twice this; long enough for a promotion on a slow CPU.
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(5);
    private static final int SENTINELS = 3;
    private static final int QUORUM = 2;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    // The sentinels find each other through hello messages on the primary every 2 s, and the replica by INFO.
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path logDir;
    // Every redis-server started (primary and replica by port), in start order, for kill and close.
    private final Map<Integer, LoggedProcess> servers = new LinkedHashMap<>();
    private final List<LoggedProcess> sentinelProcesses = new ArrayList<>();
    private final List<InetSocketAddress> sentinels = new ArrayList<>();
    private InetSocketAddress killed;
    private InetSocketAddress isolated;

    private RedisSentinelGroup(Path logDir) {
        this.logDir = logDir;
    }

    /** Starts the group and waits until every sentinel sees the replica and the others, ready to fail over. */
    public static RedisSentinelGroup start(Path logDir) throws InterruptedException {
        RedisSentinelGroup group = new RedisSentinelGroup(logDir);
        try {
            group.launch();
            return group;
        } catch (RuntimeException | InterruptedException e) {
            group.close();
            throw e;
        }
    }

    private void launch() throws InterruptedException {
        InetSocketAddress primary = startServer("redis-primary");
        InetSocketAddress replica = startServer("redis-replica", "--replicaof", "127.0.0.1",
                Integer.toString(primary.getPort()));
        for (int i = 1; i <= SENTINELS; i++) {
            startSentinel("sentinel" + i, primary);
        }
        awaitReady(replica);
    }

    // No persistence, and no 5 s wait before the replica's first sync. A dump.rdb of an earlier run in the same
    // directory would be loaded at start-up (a replica writes the primary's snapshot there): it goes first.
    private InetSocketAddress startServer(String name, String... extra) throws InterruptedException {
        InetSocketAddress address = FreePort.next();
        Path dir = freshDir(name);
        List<String> command = new ArrayList<>(List.of("redis-server",
                "--port", Integer.toString(address.getPort()), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir.toString()));
        command.addAll(List.of(extra));
        LoggedProcess process = LoggedProcess.start(name, new ProcessBuilder(command), logDir.resolve(name + ".log"));
        servers.put(address.getPort(), process);
        awaitPong(name, process, address);
        return address;
    }

    // A sentinel rewrites its configuration file as it learns (peers, epochs, the new primary): one file each, new.
    private void startSentinel(String name, InetSocketAddress primary) throws InterruptedException {
        InetSocketAddress address = FreePort.next();
        Path dir = freshDir(name);
        Path config = dir.resolve("sentinel.conf");
        String master = MASTER + " ";
        write(config, String.join("\n",
                "port " + address.getPort(),
                "bind 127.0.0.1",
                "dir " + dir,
                "sentinel monitor " + master + "127.0.0.1 " + primary.getPort() + " " + QUORUM,
                "sentinel down-after-milliseconds " + master + DOWN_AFTER.toMillis(),
                "sentinel failover-timeout " + master + FAILOVER_TIMEOUT.toMillis(),
                "sentinel parallel-syncs " + master + "1",
                ""));
        LoggedProcess process = LoggedProcess.start(name,
                new ProcessBuilder("redis-server", config.toString(), "--sentinel"), logDir.resolve(name + ".log"));
        sentinelProcesses.add(process);
        sentinels.add(address);
        awaitPong(name, process, address);
    }

    private Path freshDir(String name) {
        Path dir = logDir.resolve(name).toAbsolutePath();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve("dump.rdb"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        return dir;
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void awaitPong(String name, LoggedProcess process, InetSocketAddress address)
            throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up:\n" + process.tail());
            }
            if (ask(address, "PING").equals(Optional.of(List.of("PONG")))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + ": no PONG on " + address + " within " + START_TIMEOUT
                + ":\n" + process.tail());
    }

    // Ready: the replica has synced, and each sentinel knows it and can reach quorum and a majority to fail over.
    private void awaitReady(InetSocketAddress replica) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String missing = "";
        while (System.nanoTime() < deadline) {
            missing = notReady(replica);
            if (missing.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis sentinel group not ready within " + READY_TIMEOUT + ": " + missing);
    }

    private String notReady(InetSocketAddress replica) {
        if (!ask(replica, "INFO", "replication").orElse(List.of()).contains("master_link_status:up")) {
            return "replica " + HostPort.format(replica) + " not in sync";
        }
        for (InetSocketAddress sentinel : sentinels) {
            String at = "sentinel " + HostPort.format(sentinel);
            List<String> replicas = ask(sentinel, "SENTINEL", "REPLICAS", MASTER).orElse(List.of());
            if (!field(replicas, "name").equals(Optional.of(HostPort.format(replica)))
                    || !field(replicas, "flags").equals(Optional.of("slave"))) {
                return at + " sees no healthy replica: " + replicas;
            }
            List<String> quorum = ask(sentinel, "SENTINEL", "CKQUORUM", MASTER).orElse(List.of());
            if (quorum.isEmpty() || !quorum.get(0).startsWith("OK " + SENTINELS + " usable")) {
                return at + ": " + quorum;
            }
        }
        return "";
    }

    // The value after {@code name} in a flat name/value reply such as SENTINEL REPLICAS (one replica here).
    private static Optional<String> field(List<String> reply, String name) {
        int at = reply.indexOf(name);
        return at >= 0 && at + 1 < reply.size() ? Optional.of(reply.get(at + 1)) : Optional.empty();
    }

    /** {@code redis-sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/0#rrmaster}, as the agent's --redis takes it. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(HostPort::format).collect(Collectors.joining(","))
                + "/0#" + MASTER;
    }

    /** The primary as the first sentinel that answers names it. */
    public InetSocketAddress primary() {
        for (InetSocketAddress sentinel : sentinels) {
            Optional<InetSocketAddress> primary = primaryAccordingTo(sentinel);
            if (primary.isPresent()) {
                return primary.get();
            }
        }
        throw new IllegalStateException("no sentinel of " + sentinels + " names a primary for " + MASTER);
    }

    private static Optional<InetSocketAddress> primaryAccordingTo(InetSocketAddress sentinel) {
        return ask(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
                .filter(reply -> reply.size() == 2)
                .map(reply -> new InetSocketAddress(reply.get(0), Integer.parseInt(reply.get(1))));
    }

    /** SIGKILL to the current primary, as when its machine dies; returns its address. */
    public synchronized InetSocketAddress killPrimary() throws InterruptedException {
        InetSocketAddress primary = primary();
        LoggedProcess process = servers.get(primary.getPort());
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("primary " + HostPort.format(primary) + ": not a running server of "
                    + servers.keySet());
        }
        process.kill();
        killed = primary;
        return primary;
    }

    /**
     * Cuts the replica off from the primary, as a partition would: SIGSTOP to the replica, then the primary drops its
     * link to it ({@code CLIENT KILL TYPE replica}), so that no write the primary takes from now on reaches it, even
     * through the socket's buffers; stopped, it cannot reconnect. Returns the replica. {@link #resumeReplica()} ends
     * it: after {@link #killPrimary()}, the replica then lacks every write since this call.
     */
    public synchronized InetSocketAddress isolateReplica() throws InterruptedException {
        InetSocketAddress primary = primary();
        InetSocketAddress replica = replicaOf(primary);
        servers.get(replica.getPort()).signal("STOP");
        Optional<List<String>> dropped = ask(primary, "CLIENT", "KILL", "TYPE", "replica");
        if (!dropped.equals(Optional.of(List.of("1")))) {
            throw new IllegalStateException("primary " + HostPort.format(primary) + ": CLIENT KILL TYPE replica: "
                    + dropped.map(Object::toString).orElse("no answer") + " (expected: 1, the replica's link)");
        }
        isolated = replica;
        return replica;
    }

    /** SIGCONT to the replica {@link #isolateReplica()} stopped. */
    public synchronized void resumeReplica() throws InterruptedException {
        if (isolated == null) {
            throw new IllegalStateException("resume: no replica isolated (expected: isolateReplica() first)");
        }
        servers.get(isolated.getPort()).signal("CONT");
    }

    /** The running server other than {@code primary}: its replica. */
    public synchronized InetSocketAddress replicaOf(InetSocketAddress primary) {
        return servers.entrySet().stream()
                .filter(e -> e.getKey() != primary.getPort() && e.getValue().isAlive())
                .map(e -> new InetSocketAddress(InetAddress.getLoopbackAddress(), e.getKey()))
                .findFirst().orElseThrow(() -> new IllegalStateException("no replica of "
                        + HostPort.format(primary) + " among " + servers.keySet()));
    }

    /**
     * Waits until a sentinel names another primary than the one {@link #killPrimary()} killed and that server says it
     * is a primary; returns it.
     */
    public InetSocketAddress awaitNewPrimary(Duration timeout) throws InterruptedException {
        InetSocketAddress dead;
        synchronized (this) {
            dead = killed;
        }
        if (dead == null) {
            throw new IllegalStateException("new primary: no primary was killed (expected: killPrimary() first)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (InetSocketAddress sentinel : sentinels) {
                Optional<InetSocketAddress> named = primaryAccordingTo(sentinel);
                if (named.isPresent() && !named.get().equals(dead)
                        && ask(named.get(), "ROLE").filter(role -> role.get(0).equals("master")).isPresent()) {
                    return named.get();
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no sentinel named a new primary within " + timeout + " of killing "
                + HostPort.format(dead) + "; last sentinel log lines:\n" + sentinelProcesses.get(0).tail());
    }

    /**
     * Sends one command to {@code server} with {@code redis-cli}: the reply's lines (an array's elements one a line),
     * or empty when the server could not be reached or did not answer within a few seconds.
     */
    public static Optional<List<String>> ask(InetSocketAddress server, String... command) {
        List<String> cli = new ArrayList<>(List.of("redis-cli", "-h", server.getAddress().getHostAddress(),
                "-p", Integer.toString(server.getPort())));
        cli.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(cli).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                return Optional.empty();
            }
            return Optional.of(new String(out, StandardCharsets.UTF_8).lines().map(String::strip).toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cli, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Sentinels first, so that none reconfigures a server being stopped; then the servers. */
    @Override
    public synchronized void close() {
        if (isolated != null) {
            try {
                // A stopped process ignores SIGTERM until it runs again.
                servers.get(isolated.getPort()).signal("CONT");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // Already gone: nothing to resume.
            }
        }
        sentinelProcesses.forEach(LoggedProcess::close);
        servers.values().forEach(LoggedProcess::close);
    }
}
