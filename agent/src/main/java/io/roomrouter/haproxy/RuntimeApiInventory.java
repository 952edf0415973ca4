package io.roomrouter.haproxy;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of every backend as HAProxy's runtime API reports them in {@code show stat}, read again every
 * {@code refreshInterval} on the inventory's own daemon thread. Reads never block: each refresh publishes an
 * immutable map through a volatile field. While HAProxy cannot be read the last snapshot keeps being served.
 *
 * <p>{@code show stat} is enough: it lists servers added at runtime ({@code add server}) from the next read on,
 * in {@code MAINT} until they are enabled, with their {@code maxconn}; {@code show servers state} would only add
 * raw admin/operational bit fields that {@code status} already sums up.
 *
 * <p>Start-up: {@link #start()} reads once on the calling thread and says whether that worked. An agent that needs
 * servers to start closes the inventory and fails when it returns false; one that may wait keeps it, and the
 * background refreshes fill it as soon as HAProxy answers.
 */
public final class RuntimeApiInventory implements ServerInventory {
    /** How often the servers are read by default. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(RuntimeApiInventory.class);
    private static final String SHOW_STAT = "show stat";

    private final RuntimeApiClient client;
    private final int defaultCapacity;
    private final Duration refreshInterval;
    private final ScheduledExecutorService refresher;
    private final Object refreshLock = new Object();

    /** Written under {@code refreshLock}, read by any thread without locking. */
    private volatile Map<String, BackendSnapshot> snapshots = Map.of();
    /** Each backend's servers by their {@code sid}, published with {@link #snapshots}. */
    private volatile Map<String, Map<Integer, String>> serverIds = Map.of();

    /** When the runtime API was last read (System.nanoTime), NEVER_READ before; for readiness. */
    private volatile long lastReadNanos = NEVER_READ;
    private static final long NEVER_READ = Long.MIN_VALUE;
    /** Background reads that failed since the start, for metrics. */
    private final AtomicLong failedReads = new AtomicLong();
    /** Refreshes missed before the view counts as stale: one slow read is not an outage. */
    static final int STALE_AFTER_REFRESHES = 3;
    /** And never less than this, so that a short --refresh-interval does not flap readiness. */
    static final Duration MIN_STALE_AFTER = Duration.ofSeconds(3);

    // Guarded by refreshLock.
    private boolean lost;
    private boolean everRead;
    private final Set<String> unknownStatuses = new HashSet<>();
    private boolean started;

    /** An inventory reading {@code address} with {@link RuntimeApiClient#DEFAULT_TIMEOUT}. */
    public RuntimeApiInventory(RuntimeApiAddress address, int defaultCapacity, Duration refreshInterval) {
        this(new RuntimeApiClient(address), defaultCapacity, refreshInterval);
    }

    /**
     * An inventory reading through {@code client}. Servers without {@code maxconn} get {@code defaultCapacity}.
     * Nothing is read before {@link #start()} or {@link #refresh()}.
     */
    public RuntimeApiInventory(RuntimeApiClient client, int defaultCapacity, Duration refreshInterval) {
        this.client = Objects.requireNonNull(client, "client");
        if (defaultCapacity < 1) {
            throw new IllegalArgumentException("defaultCapacity: " + defaultCapacity + " (expected: >= 1)");
        }
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.toMillis() < 1) {
            throw new IllegalArgumentException("refreshInterval: " + refreshInterval + " (expected: >= 1ms)");
        }
        this.defaultCapacity = defaultCapacity;
        this.refreshInterval = refreshInterval;
        this.refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "room-router-inventory");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Reads HAProxy once on the calling thread (blocking for up to the client's timeouts, so never on an event loop),
     * then every {@code refreshInterval} in the background.
     *
     * @return true when the first read worked; false when it did not, after logging why (WARN): the inventory is
     *     then empty until a background read works
     * @throws IllegalStateException when already started or closed
     */
    public boolean start() {
        synchronized (refreshLock) {
            if (started || refresher.isShutdown()) {
                throw new IllegalStateException("inventory " + describe() + " already started or closed");
            }
            started = true;
        }
        boolean read = refreshAndLog();
        long millis = refreshInterval.toMillis();
        refresher.scheduleWithFixedDelay(this::refreshAndLog, millis, millis, TimeUnit.MILLISECONDS);
        return read;
    }

    /**
     * Reads HAProxy now on the calling thread and publishes what it read; logs servers that appeared, left or
     * changed. Blocks for up to the client's timeouts: never call it on an event loop.
     *
     * @throws IOException when HAProxy cannot be reached or its answer is not a {@code show stat} CSV; the last
     *     snapshot stays published
     */
    public void refresh() throws IOException {
        synchronized (refreshLock) {
            long takenAtMillis = System.currentTimeMillis();
            String answer = client.execute(SHOW_STAT);
            Map<String, List<ShowStat.ServerRow>> rows;
            try {
                rows = ShowStat.parse(answer);
            } catch (IllegalArgumentException e) {
                throw new IOException("runtime API " + client.address() + ": unusable answer: " + e.getMessage(), e);
            }
            Map<String, BackendSnapshot> next = toSnapshots(rows, takenAtMillis);
            logChanges(snapshots, next);
            serverIds = toServerIds(rows);
            snapshots = next;
            everRead = true;
            lastReadNanos = System.nanoTime();
        }
    }

    /**
     * Stale when the runtime API has not been read for {@link #STALE_AFTER_REFRESHES} refresh intervals (at least
     * {@link #MIN_STALE_AFTER}), or never: placements then rest on servers' states that may have changed.
     */
    @Override
    public Optional<String> stale() {
        return stale(System.nanoTime());
    }

    Optional<String> stale(long nowNanos) {
        long at = lastReadNanos;
        if (at == NEVER_READ) {
            return Optional.of("runtime API " + client.address() + " not read yet");
        }
        long staleAfter = Math.max(refreshInterval.toNanos() * STALE_AFTER_REFRESHES, MIN_STALE_AFTER.toNanos());
        long age = nowNanos - at;
        if (age > staleAfter) {
            return Optional.of("runtime API " + client.address() + " last read "
                    + TimeUnit.NANOSECONDS.toMillis(age) + " ms ago");
        }
        return Optional.empty();
    }

    /** How long ago the runtime API was last read whole; empty before the first read. Cheap, never blocks. */
    public Optional<Duration> snapshotAge() {
        long at = lastReadNanos;
        return at == NEVER_READ ? Optional.empty() : Optional.of(Duration.ofNanos(System.nanoTime() - at));
    }

    /** How many reads of the runtime API failed since the start (the start-up read included). */
    public long failedReads() {
        return failedReads.get();
    }

    /** {@link #refresh()}, logging a lost runtime API once (WARN) and its return (INFO) instead of throwing. */
    private boolean refreshAndLog() {
        synchronized (refreshLock) {
            try {
                refresh();
            } catch (IOException e) {
                noteFailure(e.getMessage());
                return false;
            } catch (RuntimeException e) {
                // A bug, but it must not end the refreshes: the schedule would stop silently.
                log.error("inventory refresh failed", e);
                noteFailure(e.toString());
                return false;
            }
            if (lost) {
                lost = false;
                log.info("runtime API {} answers again: {}", client.address(), counts(snapshots));
            }
            return true;
        }
    }

    private void noteFailure(String cause) {
        failedReads.incrementAndGet();
        if (refresher.isShutdown()) {
            log.debug("runtime API {} read stopped by close: {}", client.address(), cause);
        } else if (!lost) {
            lost = true;
            // The cause names the address, the command and what went wrong; a stack trace would add nothing.
            log.warn(
                    "{}; serving {} until it answers",
                    cause,
                    everRead ? "the last snapshot (" + counts(snapshots) + ")" : "no servers");
        } else {
            log.debug("still failing: {}", cause);
        }
    }

    /** Turns {@code show stat} rows into snapshots; logs each status it does not know once, taking it as DOWN. */
    Map<String, BackendSnapshot> toSnapshots(Map<String, List<ShowStat.ServerRow>> rows, long takenAtMillis) {
        Map<String, BackendSnapshot> result = new LinkedHashMap<>();
        rows.forEach((backend, servers) -> {
            List<ServerStatus> statuses = new ArrayList<>(servers.size());
            for (ShowStat.ServerRow row : servers) {
                ServerState state = HaproxyStatus.toState(row.status()).orElseGet(() -> unknownStatus(row));
                statuses.add(new ServerStatus(
                        row.server(), state, row.maxconn().orElse(defaultCapacity), row.liveConnections()));
            }
            result.put(backend, new BackendSnapshot(backend, statuses, takenAtMillis));
        });
        return Map.copyOf(result);
    }

    private static Map<String, Map<Integer, String>> toServerIds(Map<String, List<ShowStat.ServerRow>> rows) {
        Map<String, Map<Integer, String>> result = new LinkedHashMap<>();
        rows.forEach((backend, servers) -> {
            Map<Integer, String> ids = new LinkedHashMap<>();
            for (ShowStat.ServerRow row : servers) {
                row.id().ifPresent(id -> ids.put(id, row.server()));
            }
            result.put(backend, Map.copyOf(ids));
        });
        return Map.copyOf(result);
    }

    /**
     * The name of the server of {@code backend} whose {@code sid} is {@code id} in the latest {@code show stat}: a
     * stick table names a server by that number ({@code server_id}). Empty when no such server is known.
     */
    public Optional<String> serverName(String backend, int id) {
        Map<Integer, String> ids = serverIds.get(backend);
        return ids == null ? Optional.empty() : Optional.ofNullable(ids.get(id));
    }

    private ServerState unknownStatus(ShowStat.ServerRow row) {
        synchronized (refreshLock) {
            if (unknownStatuses.add(row.status())) {
                log.warn(
                        "server {}/{} has status '{}', which this agent does not know: taking it (and any other server"
                                + " with it) as DOWN",
                        row.backend(),
                        row.server(),
                        row.status());
            }
        }
        return ServerState.DOWN;
    }

    private void logChanges(Map<String, BackendSnapshot> before, Map<String, BackendSnapshot> after) {
        if (!everRead) {
            log.info("runtime API {}: {}", client.address(), summary(after));
            return;
        }
        for (BackendSnapshot backend : after.values()) {
            BackendSnapshot old = before.get(backend.backend());
            if (old == null) {
                log.info("backend {} appeared: {}", backend.backend(), describe(backend));
                continue;
            }
            for (ServerStatus server : backend.servers()) {
                Optional<ServerStatus> was = old.server(server.name());
                if (was.isEmpty()) {
                    log.info("server {}/{} appeared: {}, capacity {}",
                            backend.backend(), server.name(), server.state(), server.capacity());
                    continue;
                }
                if (was.get().state() != server.state()) {
                    log.info("server {}/{} {} -> {}",
                            backend.backend(), server.name(), was.get().state(), server.state());
                }
                if (was.get().capacity() != server.capacity()) {
                    log.info("server {}/{} capacity {} -> {}",
                            backend.backend(), server.name(), was.get().capacity(), server.capacity());
                }
            }
            for (ServerStatus server : old.servers()) {
                if (backend.server(server.name()).isEmpty()) {
                    log.info("server {}/{} disappeared", backend.backend(), server.name());
                }
            }
        }
        for (String backend : before.keySet()) {
            if (!after.containsKey(backend)) {
                log.info("backend {} disappeared", backend);
            }
        }
    }

    private static String summary(Map<String, BackendSnapshot> snapshots) {
        if (snapshots.isEmpty()) {
            return "no backends";
        }
        String backends = snapshots.values().stream()
                .sorted(Comparator.comparing(BackendSnapshot::backend))
                .map(backend -> backend.backend() + " " + describe(backend))
                .collect(Collectors.joining("; "));
        String takenAt = Instant.ofEpochMilli(snapshots.values().iterator().next().takenAtMillis()).toString();
        return backends + " (read at " + takenAt + ")";
    }

    private static String counts(Map<String, BackendSnapshot> snapshots) {
        int servers = snapshots.values().stream().mapToInt(backend -> backend.servers().size()).sum();
        return snapshots.size() + " backends, " + servers + " servers" + snapshots.values().stream()
                .findAny()
                .map(backend -> ", read at " + Instant.ofEpochMilli(backend.takenAtMillis()))
                .orElse("");
    }

    private static String describe(BackendSnapshot backend) {
        List<String> servers = new ArrayList<>();
        for (ServerStatus server : backend.servers()) {
            servers.add(server.name() + " " + server.state() + " " + server.liveConnections() + "/" + server.capacity());
        }
        return "[" + String.join(", ", servers) + "]";
    }

    @Override
    public Optional<BackendSnapshot> backend(String backend) {
        return Optional.ofNullable(snapshots.get(backend));
    }

    @Override
    public Collection<BackendSnapshot> backends() {
        return snapshots.values();
    }

    @Override
    public String describe() {
        return "runtime-api " + client.address() + " (refresh every " + refreshInterval.toMillis()
                + " ms, default capacity " + defaultCapacity + ")";
    }

    /** Stops the background refreshes, interrupting one in progress; the last snapshot is still served. */
    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            if (!refresher.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("inventory refresh thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
