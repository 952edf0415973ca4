package io.roomrouter.haproxy;

import io.roomrouter.placement.Identifiers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stick tables of HAProxy's backends read over the runtime API ({@code show table <backend> key <room>},
 * {@code clear table <backend> key <room>}, and {@code show table <backend>} to rebuild rooms at start-up).
 *
 * <p>Threads. The runtime API is a Unix or TCP socket the client reads with blocking waits, so lookups run on
 * {@value #THREADS} threads of their own, never on the caller's (an event loop), with at most {@value #QUEUED}
 * waiting: past that a lookup completes unanswered at once. HAProxy serves at most 10 runtime API connections at
 * once by default ({@code stats maxconn}); the inventory's reads take one, these at most {@value #THREADS}. Each
 * lookup completes unanswered ({@link TableLookup#NO_ANSWER}) once {@code bound} has passed since it was asked: the
 * join it serves is then refused for a retry when HAProxy said its table has the room (placing it anew could split
 * it), and otherwise goes on as if the table did not have the room.
 *
 * <p>A backend whose table HAProxy does not know ({@code No such table}) is not asked again for
 * {@link #NO_TABLE_RECHECK}: a configuration without a stick table costs nothing per join.
 */
public final class RuntimeApiStickTable implements StickTable, AutoCloseable {
    /** Threads asking HAProxy: also the most runtime API connections lookups hold at once. */
    static final int THREADS = 2;
    /** Lookups waiting for a thread; past this, a lookup completes unanswered at once. */
    static final int QUEUED = 256;
    /** How long a backend found without a table is not asked again. */
    static final Duration NO_TABLE_RECHECK = Duration.ofSeconds(30);
    /** Failed lookups are logged at most this often. */
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger log = LoggerFactory.getLogger(RuntimeApiStickTable.class);

    /** The name of a server of a backend by its {@code sid}, as the latest {@code show stat} has it. */
    @FunctionalInterface
    public interface ServerNames {
        Optional<String> name(String backend, int id);
    }

    /** What {@link #rebuild} read from one table. */
    public record Rebuilt(String backend, long entries, long rooms, long skipped, boolean complete, long millis) {}

    /** Counts of lookups so far, for logs and tests. */
    public record Counts(long asked, long found, long late, long refused, long failed, long cleared) {}

    private final RuntimeApiClient client;
    private final ServerNames names;
    private final long expireMillis;
    private final long boundNanos;
    private final LongSupplier nanoClock;
    private final ThreadPoolExecutor executor;
    /** Backends found without a table, until when (nanoTime) they are not asked again. */
    private final ConcurrentHashMap<String, Long> noTable = new ConcurrentHashMap<>();
    private final AtomicLong asked = new AtomicLong();
    private final AtomicLong found = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cleared = new AtomicLong();
    private final AtomicLong lastWarnNanos;

    /**
     * Tables read through {@code client}. {@code expire} is the tables' {@code expire} (the reference configuration
     * ties it to {@code --room-idle-timeout}): an entry's time left says how long ago its room was last joined only
     * against it. {@code bound} is the longest a join waits for a lookup.
     */
    public RuntimeApiStickTable(RuntimeApiClient client, ServerNames names, Duration expire, Duration bound) {
        this(client, names, expire, bound, System::nanoTime);
    }

    RuntimeApiStickTable(RuntimeApiClient client, ServerNames names, Duration expire, Duration bound,
            LongSupplier nanoClock) {
        this.client = Objects.requireNonNull(client, "client");
        this.names = Objects.requireNonNull(names, "names");
        Objects.requireNonNull(expire, "expire");
        Objects.requireNonNull(bound, "bound");
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("bound: " + bound + " (expected: > 0)");
        }
        this.expireMillis = expire.toMillis();
        this.boundNanos = bound.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.lastWarnNanos = new AtomicLong(nanoClock.getAsLong() - WARN_EVERY_NANOS);
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED), runnable -> {
                    Thread thread = new Thread(runnable, "room-router-table");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public CompletionStage<TableLookup> find(String backend, String room) {
        asked.incrementAndGet();
        Long until = noTable.get(backend);
        if (until != null) {
            if (nanoClock.getAsLong() - until < 0) {
                return CompletableFuture.completedFuture(TableLookup.ABSENT);
            }
            noTable.remove(backend, until);
        }
        CompletableFuture<TableLookup> out = new CompletableFuture<>();
        long askedAt = nanoClock.getAsLong();
        try {
            executor.execute(() -> {
                // Asked too long ago: its join has gone on without it, and HAProxy need not be asked.
                if (out.isDone() || nanoClock.getAsLong() - askedAt >= boundNanos) {
                    return;
                }
                TableLookup result = lookUp(backend, room);
                if (out.complete(result) && result.room().isPresent()) {
                    found.incrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            return CompletableFuture.completedFuture(TableLookup.NO_ANSWER);
        }
        // On the JDK's timer thread: the join then goes on there (it takes microseconds).
        return out.completeOnTimeout(null, boundNanos, TimeUnit.NANOSECONDS).thenApply(result -> {
            if (result == null) {
                late.incrementAndGet();
                return TableLookup.NO_ANSWER;
            }
            return result;
        });
    }

    private TableLookup lookUp(String backend, String room) {
        // Room ids are checked before they get here ([A-Za-z0-9._:-]), so they cannot end or add a command.
        String answer;
        try {
            answer = client.execute("show table " + backend + " key " + room);
        } catch (IOException e) {
            failed.incrementAndGet();
            warn("stick table lookup failed; the room is placed as if the table did not have it (refused for a"
                    + " retry when HAProxy said the table has it): {}", e.getMessage());
            return TableLookup.NO_ANSWER;
        }
        for (String line : answer.split("\n", -1)) {
            switch (ShowTable.kind(line)) {
                case ERROR -> {
                    noTable(backend, line);
                    return TableLookup.ABSENT;
                }
                case ENTRY -> {
                    Optional<StuckRoom> stuck = ShowTable.entry(line).flatMap(entry -> toRoom(backend, entry));
                    if (stuck.isPresent() && stuck.get().room().equals(room)) {
                        return TableLookup.found(stuck.get());
                    }
                }
                default -> {
                    // the header and the blank line that ends the answer
                }
            }
        }
        return TableLookup.ABSENT;
    }

    private void noTable(String backend, String answer) {
        if (noTable.put(backend, nanoClock.getAsLong() + NO_TABLE_RECHECK.toNanos()) == null) {
            log.info("backend {}: HAProxy's runtime API answers '{}' to show table; rooms it does not know are placed"
                    + " without asking it (asked again in {} s)", backend, answer, NO_TABLE_RECHECK.toSeconds());
        }
    }

    private Optional<StuckRoom> toRoom(String backend, ShowTable.Entry entry) {
        Optional<String> server = entry.serverKey();
        if (server.isEmpty()) {
            server = names.name(backend, entry.serverId().orElse(0));
        }
        if (server.isEmpty() || Identifiers.problem("room", entry.key()).isPresent()) {
            return Optional.empty();
        }
        long idle = Math.max(0, expireMillis - entry.expiresInMillis());
        return Optional.of(new StuckRoom(entry.key(), server.get(), idle, entry.connected()));
    }

    @Override
    public void forget(String backend, String room) {
        try {
            executor.execute(() -> {
                try {
                    String answer = client.execute("clear table " + backend + " key " + room);
                    if (answer.isBlank()) {
                        cleared.incrementAndGet();
                    } else {
                        warn("clear table {} key {}: HAProxy answered '{}'", backend, room, answer.strip());
                    }
                } catch (IOException e) {
                    failed.incrementAndGet();
                    warn("clearing a released room from the stick table failed: {}", e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            warn("clear table {} key {}: {} lookups waiting already; not cleared", backend, room, QUEUED);
        }
    }

    /**
     * The names of HAProxy's stick tables ({@code show table}); a table in a backend has the backend's name.
     * Blocks for up to the client's timeouts: call it at start-up, never on an event loop.
     */
    public List<String> tables() throws IOException {
        List<String> tables = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        client.stream("show table", line -> {
            switch (ShowTable.kind(line)) {
                case HEADER -> ShowTable.tableName(line).ifPresent(tables::add);
                case ERROR -> errors.add(line);
                default -> {
                    // nothing else is listed
                }
            }
            return true;
        });
        if (!errors.isEmpty()) {
            throw new IOException("show table: HAProxy answered '" + String.join(" ", errors) + "'");
        }
        return tables;
    }

    /**
     * Reads {@code backend}'s whole table as HAProxy streams it and hands each room with a known server to
     * {@code room}, at most {@code maxEntries} entries and for at most {@code budget}: past either, the connection
     * is closed and HAProxy stops the dump ({@code complete} false). Holds one line at a time, never the answer.
     * Blocks: call it at start-up, never on an event loop.
     *
     * @throws IOException when HAProxy cannot be reached, refuses the command or goes silent
     */
    public Rebuilt rebuild(String backend, Predicate<StuckRoom> room, Duration budget, long maxEntries)
            throws IOException {
        long start = nanoClock.getAsLong();
        long deadline = start + budget.toNanos();
        long[] counts = new long[3]; // entries, rooms, skipped
        boolean[] cut = new boolean[1];
        List<String> errors = new ArrayList<>();
        client.stream("show table " + backend, line -> {
            switch (ShowTable.kind(line)) {
                case ERROR -> errors.add(line);
                case ENTRY -> {
                    counts[0]++;
                    Optional<StuckRoom> stuck = ShowTable.entry(line).flatMap(entry -> toRoom(backend, entry));
                    if (stuck.isPresent() && room.test(stuck.get())) {
                        counts[1]++;
                    } else {
                        counts[2]++;
                    }
                    // The clock is read every 1024 entries only: a dump of a million entries reads it a thousand times.
                    if (counts[0] >= maxEntries || ((counts[0] & 1023) == 0 && nanoClock.getAsLong() - deadline >= 0)) {
                        cut[0] = true;
                        return false;
                    }
                }
                default -> {
                    // the header and the blank line that ends the answer
                }
            }
            return true;
        });
        if (!errors.isEmpty()) {
            throw new IOException("show table " + backend + ": HAProxy answered '" + String.join(" ", errors) + "'");
        }
        return new Rebuilt(backend, counts[0], counts[1], counts[2], !cut[0],
                TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - start));
    }

    public Counts counts() {
        return new Counts(asked.get(), found.get(), late.get(), refused.get(), failed.get(), cleared.get());
    }

    private void warn(String format, Object... args) {
        long now = nanoClock.getAsLong();
        long last = lastWarnNanos.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarnNanos.compareAndSet(last, now)) {
            log.warn(format, args);
        } else {
            log.debug(format, args);
        }
    }

    /** Stops the lookup threads; lookups asked afterwards complete empty. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "stick tables over " + client.address() + " (lookups within " + TimeUnit.NANOSECONDS.toMillis(boundNanos)
                + " ms)";
    }
}
