package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A throw-away Redis Cluster on 127.0.0.1: three primaries and a replica of each, persisting nothing, formed by
 * {@code redis-cli --cluster create}, with the controls the failover tests need: SIGKILL the primary that owns a slot
 * and wait for its replica to take over, and migrate a slot to another primary while clients use it. Every command
 * goes through {@code redis-cli}, as an operator's would. {@link #close()} stops every node.
 */
public final class RedisClusterGroup implements AutoCloseable {

    /** How long a node may be unreachable before the others fail it over ({@code cluster-node-timeout}). */
    public static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);
    private static final int PRIMARIES = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(10);

    /** One redis-server of the cluster: its client port and its process. */
    private record Node(int port, LoggedProcess process) {}

    /** One line of {@code CLUSTER NODES}: who a node is, its flags, and the slots it serves. */
    private record NodeLine(String id, int port, Set<String> flags, List<int[]> slots) {

        static NodeLine parse(String line) {
            String[] fields = line.trim().split(" ", -1);
            String address = fields[1];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1, address.indexOf('@')));
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < fields.length; i++) {
                // "[slot->-id]" and "[slot-<-id]" mark a slot migrating or importing: still served by its owner.
                if (!fields[i].startsWith("[")) {
                    String[] range = fields[i].split("-", -1);
                    slots.add(new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1])});
                }
            }
            return new NodeLine(fields[0], port, Set.of(fields[2].split(",", -1)), slots);
        }

        boolean livePrimary() {
            return flags.contains("master") && !flags.contains("fail") && !flags.contains("fail?");
        }

        boolean serves(int slot) {
            return slots.stream().anyMatch(range -> range[0] <= slot && slot <= range[1]);
        }
    }

    private final Path logDir;
    private final Map<Integer, Node> nodes = new LinkedHashMap<>();
    private final Set<Integer> killed = new HashSet<>();

    private RedisClusterGroup(Path logDir) {
        this.logDir = logDir;
    }

    /** Starts six nodes on free ports, forms the cluster and waits until every node says {@code cluster_state:ok}. */
    public static RedisClusterGroup start(Path logDir) throws InterruptedException {
        RedisClusterGroup group = new RedisClusterGroup(logDir.toAbsolutePath());
        try {
            group.launch();
        } catch (InterruptedException | RuntimeException e) {
            group.close();
            throw e;
        }
        return group;
    }

    private void launch() throws InterruptedException {
        // The cluster bus listens on a port of its own: given explicitly, as port + 10000 may be past 65535.
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 4 * PRIMARIES) {
            ports.add(FreePort.pick());
        }
        List<Integer> free = new ArrayList<>(ports);
        for (int i = 0; i < 2 * PRIMARIES; i++) {
            int port = free.get(2 * i);
            Path config = logDir.resolve("nodes-" + port + ".conf");
            try {
                Files.createDirectories(logDir);
                Files.deleteIfExists(config);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare " + config, e);
            }
            nodes.put(port, new Node(port, LoggedProcess.start("redis-" + port, new ProcessBuilder(
                    "redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", config.toString(),
                    "--cluster-port", Integer.toString(free.get(2 * i + 1)),
                    "--cluster-node-timeout", Long.toString(NODE_TIMEOUT.toMillis()),
                    "--save", "", "--appendonly", "no", "--dir", logDir.toString(),
                    // A replica's first sync starts at once, not after the default 5 s wait for other replicas.
                    "--repl-diskless-sync-delay", "0"), logDir.resolve("redis-" + port + ".log"))));
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (Node node : nodes.values()) {
            while (!ping(node.port())) {
                if (!node.process().isAlive()) {
                    throw new IllegalStateException("redis-server on " + node.port() + " exited during start-up:\n"
                            + node.process().tail());
                }
                checkDeadline(deadline, "no PONG from " + node.port());
                Thread.sleep(50);
            }
        }
        // The first three listed become the primaries, each of the others a replica of one of them.
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.keySet().forEach(port -> create.add("127.0.0.1:" + port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        run(create, logDir.resolve("cluster-create.log"));
        awaitHealthy(deadline, "the new cluster");
    }

    // Every live node says the cluster is ok and knows the same owner for every slot, every replica is in sync.
    private void awaitHealthy(long deadline, String what) throws InterruptedException {
        while (true) {
            Optional<String> problem = problem();
            if (problem.isEmpty()) {
                return;
            }
            checkDeadline(deadline, what + ": " + problem.get());
            Thread.sleep(50);
        }
    }

    private Optional<String> problem() {
        for (int port : livePorts()) {
            String info = cli(port, "CLUSTER", "INFO");
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_assigned:16384")) {
                return Optional.of(port + " says " + info.lines().limit(3).collect(Collectors.joining(", ")));
            }
            String replication = cli(port, "INFO", "replication");
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return Optional.of("replica " + port + " not in sync");
            }
        }
        return Optional.empty();
    }

    /** {@code redis://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}: the three first primaries, the agent's seed list. */
    public String seedUri() {
        return "redis://" + nodes.keySet().stream().limit(PRIMARIES).map(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(","));
    }

    /** The hash slot of {@code key} ({@code CLUSTER KEYSLOT}). */
    public int keySlot(String key) {
        return Integer.parseInt(cli(anyLivePort(), "CLUSTER", "KEYSLOT", key));
    }

    /** The port of the live primary that serves {@code slot}, as a live node sees it. */
    public int primaryOf(int slot) {
        return owner(anyLivePort(), slot).orElseThrow(() -> new IllegalStateException(
                "slot " + slot + ": no live primary serves it (" + cli(anyLivePort(), "CLUSTER", "NODES") + ")"))
                .port();
    }

    private Optional<NodeLine> owner(int askedPort, int slot) {
        return nodeLines(askedPort).stream().filter(n -> n.livePrimary() && n.serves(slot)).findFirst();
    }

    private List<NodeLine> nodeLines(int port) {
        return cli(port, "CLUSTER", "NODES").lines().filter(l -> !l.isBlank()).map(NodeLine::parse).toList();
    }

    /** Every key matching {@code pattern}, over the live primaries. */
    public List<String> keys(String pattern) {
        List<String> keys = new ArrayList<>();
        for (int port : livePorts()) {
            if (cli(port, "INFO", "replication").contains("role:master")) {
                cli(port, "KEYS", pattern).lines().filter(l -> !l.isBlank()).forEach(keys::add);
            }
        }
        return keys;
    }

    /**
     * Subscribers of {@code channel} on each live node that has any, by port ({@code PUBSUB NUMSUB}: each node counts
     * its own clients; a message published on any node reaches them all).
     */
    public Map<Integer, Integer> subscribers(String channel) {
        Map<Integer, Integer> subscribers = new TreeMap<>();
        for (int port : livePorts()) {
            List<String> reply = cli(port, "PUBSUB", "NUMSUB", channel).lines().toList();
            int count = Integer.parseInt(reply.get(reply.size() - 1).trim());
            if (count > 0) {
                subscribers.put(port, count);
            }
        }
        return subscribers;
    }

    /** SIGKILL to the primary serving {@code slot}, as when its machine dies; returns its port. */
    public int killPrimaryOf(int slot) throws InterruptedException {
        int port = primaryOf(slot);
        nodes.get(port).process().kill();
        killed.add(port);
        return port;
    }

    /**
     * Waits until every live node sees a live primary other than {@code deadPort} serving {@code slot} (its replica,
     * promoted) and the cluster is ok again; returns the new primary's port.
     */
    public int awaitPromotion(int slot, int deadPort, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<Integer> owners = new HashSet<>();
            for (int port : livePorts()) {
                owners.add(owner(port, slot).map(NodeLine::port).orElse(-1));
            }
            if (owners.size() == 1 && !owners.contains(-1) && !owners.contains(deadPort) && problem().isEmpty()) {
                return owners.iterator().next();
            }
            checkDeadline(deadline, "slot " + slot + " after the death of " + deadPort + ": owners " + owners);
            Thread.sleep(20);
        }
    }

    /** A live primary that does not serve {@code slot}: where to migrate it. */
    public int otherPrimary(int slot) {
        return nodeLines(anyLivePort()).stream()
                .filter(n -> n.livePrimary() && !n.serves(slot) && !n.slots().isEmpty())
                .map(NodeLine::port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no other live primary than the owner of " + slot));
    }

    /**
     * Moves {@code slot} from its primary to {@code targetPort}'s, by the steps of {@code redis-cli --cluster
     * reshard} (CLUSTER SETSLOT IMPORTING and MIGRATING, MIGRATE key by key, SETSLOT NODE), pausing {@code pause}
     * after each key so that clients meet the slot half moved; waits until the cluster agrees on the new owner.
     * Returns how many keys moved.
     */
    public int migrateSlot(int slot, int targetPort, Duration pause) throws InterruptedException {
        int sourcePort = primaryOf(slot);
        String sourceId = cli(sourcePort, "CLUSTER", "MYID");
        String targetId = cli(targetPort, "CLUSTER", "MYID");
        expectOk(targetPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", sourceId);
        expectOk(sourcePort, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", targetId);
        int moved = 0;
        while (true) {
            List<String> keys = cli(sourcePort, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "1")
                    .lines().filter(l -> !l.isBlank()).toList();
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of(
                    "MIGRATE", "127.0.0.1", Integer.toString(targetPort), "", "0", "5000", "KEYS"));
            migrate.addAll(keys);
            String reply = cli(sourcePort, migrate.toArray(String[]::new));
            if (!reply.equals("OK") && !reply.equals("NOKEY")) {
                throw new IllegalStateException("MIGRATE " + keys + " to " + targetPort + ": " + reply);
            }
            moved += keys.size();
            Thread.sleep(pause.toMillis());
        }
        // The target first, so that the slot is never without an owner that serves it; then every other primary.
        expectOk(targetPort, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        expectOk(sourcePort, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        for (NodeLine node : nodeLines(targetPort)) {
            if (node.livePrimary() && node.port() != targetPort && node.port() != sourcePort) {
                expectOk(node.port(), "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
            }
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (int port : livePorts()) {
            while (owner(port, slot).map(NodeLine::port).orElse(-1) != targetPort) {
                checkDeadline(deadline, "slot " + slot + " not yet on " + targetPort + " as " + port + " sees it");
                Thread.sleep(20);
            }
        }
        return moved;
    }

    private List<Integer> livePorts() {
        return nodes.keySet().stream().filter(port -> !killed.contains(port)).toList();
    }

    private int anyLivePort() {
        return livePorts().get(0);
    }

    private void expectOk(int port, String... command) {
        String reply = cli(port, command);
        if (!reply.equals("OK")) {
            throw new IllegalStateException("redis " + port + " " + String.join(" ", command) + ": " + reply);
        }
    }

    private boolean ping(int port) {
        try {
            return cli(port, "PING").equals("PONG");
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * {@code redis-cli} against one node: its output, raw (not a terminal), stripped. An error reply comes back as
     * text ({@code ERR ...}), for the caller to judge; a redis-cli that fails or hangs throws.
     */
    public String cli(int port, String... command) {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        try {
            Process cli = new ProcessBuilder(args).redirectErrorStream(true).start();
            cli.getOutputStream().close();
            byte[] output = cli.getInputStream().readAllBytes();
            if (!cli.waitFor(CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                cli.destroyForcibly();
                throw new IllegalStateException(String.join(" ", args) + ": no answer within " + CLI_TIMEOUT);
            }
            String text = new String(output, StandardCharsets.UTF_8).strip();
            if (cli.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", args) + ": exit " + cli.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", args) + ": interrupted", e);
        }
    }

    // A redis-cli tool run (cluster create) whose output goes to a log file; fails on a non-zero exit.
    private static void run(List<String> command, Path log) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            process.getOutputStream().close();
            if (!process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": still running after " + START_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + ": exit " + process.exitValue() + ":\n"
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        }
    }

    private static void checkDeadline(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("redis cluster: " + what);
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(node -> node.process().close());
    }
}
