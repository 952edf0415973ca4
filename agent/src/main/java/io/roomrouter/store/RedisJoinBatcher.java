package io.roomrouter.store;

import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of one backend's joins and cache-hit touches: at most {@code maxInFlight} script steps are under way
 * at a time, and when one returns, everything queued meanwhile (up to {@code maxEntries}) goes out as the next
 * single step. Nothing waits for a batch to fill: with no step under way an entry goes out at once, alone; under load
 * the batches grow by themselves. One Redis round trip and one script call then serve many joins.
 *
 * <p>Each entry keeps its own outcome and its own time bound: a join whose step has not answered within
 * {@code timeout} is told so ({@link Outcome#timedOut}) and still gets the answer when it comes. A failed step
 * fails only its own entries.
 *
 * <p>Touches queue only while fewer than {@code maxInFlight x maxEntries} of them wait (about as many as the steps
 * under way hold); past that a touch is dropped at once ({@link Outcome#failed} with {@link TouchesBehind}), and a
 * warning says how many, at most every {@link #WARN_EVERY}. A touch answers nobody, so nothing held them back when
 * joins were answered from the cache faster than Redis took their touches: the queue grew without bound, and every
 * first join or cache refresh queued behind it waited past its time bound (at 90 000 cache hits a second, 5 % of
 * the joins of known rooms were answered after {@code --redis-timeout}, as if Redis were down). What a dropped touch
 * does not do: keep the room alive in Redis (its other joins do), count its player's arrival (the seat stays held
 * until the reservation window ends, the same conservative count as a join Redis never answered), and renew the
 * room's entry in the agent's cache (its next join after that asks Redis).
 *
 * <p>A release (a room ended) queues like the rest and goes out alone, as a step of its own, once every entry
 * queued before it has gone out: a release sent at once could reach Redis before a first join of the same room
 * still waiting here, and the room would then be placed after it ended.
 *
 * <p>Threads: {@link #submit} runs on any thread (Netty event loops) and never blocks: it holds the lock only to
 * queue, and sends outside it. Steps complete, and the next step is sent, on the thread that completes the runner's
 * stage (a Lettuce I/O thread); time bounds fire on {@code timer}.
 */
final class RedisJoinBatcher {
    /** How many values the script answers per entry. */
    static final int VALUES_PER_ENTRY = 8;

    private static final Logger log = LoggerFactory.getLogger(RedisJoinBatcher.class);
    static final Duration WARN_EVERY = Duration.ofSeconds(10);

    /**
     * Runs one step: the servers of its joins (empty when it holds only touches), then the entries in order; a
     * release is always alone in its step.
     */
    @FunctionalInterface
    interface StepRunner {
        CompletableFuture<List<Object>> run(List<ServerStatus> servers, List<Entry> entries);
    }

    /** What becomes of one entry. Exactly one of {@link #answered} or {@link #failed} is called, once. */
    interface Outcome {
        /** The entry's {@value #VALUES_PER_ENTRY} values of its step's reply; a release's whole reply. */
        void answered(List<Object> values);

        /** Its step failed, or answered something that is not a batch reply. */
        void failed(Throwable error);

        /** The entry's time bound passed before its step answered; {@link #answered} or {@link #failed} follows. */
        void timedOut();
    }

    /**
     * A touch dropped because too many touches wait already: Redis is behind the joins answered from the cache. One
     * instance per batcher, without a stack trace: drops come by the hundred thousand a second on the event loops.
     */
    static final class TouchesBehind extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TouchesBehind(int waiting) {
            super("touches waiting: " + waiting + " (expected: < " + waiting + ")", null, false, false);
        }
    }

    private final StepRunner runner;
    private final ScheduledExecutorService timer;
    private final long timeoutNanos;
    private final int maxInFlight;
    private final int maxEntries;
    private final int maxQueuedTouches;
    private final TouchesBehind touchesBehind;
    // Guarded by this.
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private int inFlight;
    private int queuedTouches;
    private long droppedTouches;
    private long droppedReported;
    private long lastWarnNanos = System.nanoTime() - WARN_EVERY.toNanos();

    RedisJoinBatcher(StepRunner runner, ScheduledExecutorService timer, Duration timeout, int maxInFlight,
            int maxEntries) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.timer = Objects.requireNonNull(timer, "timer");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 1)");
        }
        this.timeoutNanos = timeout.toNanos();
        this.maxInFlight = maxInFlight;
        this.maxEntries = maxEntries;
        this.maxQueuedTouches = maxInFlight * maxEntries;
        this.touchesBehind = new TouchesBehind(maxQueuedTouches);
    }

    /** Queues one entry; sends it at once when fewer than {@code maxInFlight} steps are under way. */
    void submit(Entry entry) {
        if (entry.isJoin()) {
            entry.bound = timer.schedule(entry.outcome::timedOut, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        List<Entry> step;
        long droppedSinceWarning = 0;
        synchronized (this) {
            if (entry.isTouch() && queuedTouches >= maxQueuedTouches) {
                droppedTouches++;
                long now = System.nanoTime();
                if (now - lastWarnNanos >= WARN_EVERY.toNanos()) {
                    lastWarnNanos = now;
                    droppedSinceWarning = droppedTouches - droppedReported;
                    droppedReported = droppedTouches;
                }
                step = null;
            } else {
                queue.add(entry);
                if (entry.isTouch()) {
                    queuedTouches++;
                }
                if (inFlight >= maxInFlight) {
                    return; // goes out with the next step, when one returns
                }
                inFlight++;
                step = take();
            }
        }
        if (step == null) {
            if (droppedSinceWarning > 0) {
                log.warn("redis is behind the joins answered from the agent's cache: touches dropped since the last"
                        + " warning: {} ({} in all); their players' seats stay held until the reservation window ends",
                        droppedSinceWarning, droppedReported);
            }
            entry.outcome.failed(touchesBehind);
            return;
        }
        send(step);
    }

    /** Entries queued and not yet sent. */
    synchronized int queued() {
        return queue.size();
    }

    /** Touches dropped so far because too many waited. */
    synchronized long droppedTouches() {
        return droppedTouches;
    }

    // The head of the queue and what follows it, up to maxEntries; a join whose servers differ from those of the
    // step's first join waits for the next step, since a step carries one server list. Called holding the lock,
    // with the queue not empty.
    private List<Entry> take() {
        if (queue.peek().isRelease()) {
            return List.of(queue.poll());
        }
        List<Entry> step = new ArrayList<>(Math.min(queue.size(), maxEntries));
        List<ServerStatus> servers = null;
        while (!queue.isEmpty() && step.size() < maxEntries) {
            Entry next = queue.peek();
            if (next.isRelease()) {
                break;
            }
            if (next.isJoin()) {
                if (servers == null) {
                    servers = next.servers;
                } else if (!sameServers(servers, next.servers)) {
                    break;
                }
            }
            Entry taken = queue.poll();
            if (taken.isTouch()) {
                queuedTouches--;
            }
            step.add(taken);
        }
        return step;
    }

    private void send(List<Entry> step) {
        List<ServerStatus> servers = List.of();
        for (Entry entry : step) {
            if (entry.isJoin()) {
                servers = entry.servers;
                break;
            }
        }
        CompletableFuture<List<Object>> reply;
        try {
            reply = runner.run(servers, step);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((values, error) -> finished(step, values, error));
    }

    private void finished(List<Entry> step, List<Object> values, Throwable error) {
        List<Entry> next = null;
        synchronized (this) {
            if (queue.isEmpty()) {
                inFlight--;
            } else {
                next = take();
            }
        }
        // The next step first: Redis works on it while this one's entries are answered here.
        if (next != null) {
            send(next);
        }
        answer(step, values, error);
    }

    private static void answer(List<Entry> step, List<Object> values, Throwable error) {
        Throwable failure = error;
        boolean release = step.get(0).isRelease();
        if (failure == null && !release && (values == null || values.size() != VALUES_PER_ENTRY * step.size())) {
            failure = new IllegalStateException("batch reply: " + (values == null ? "none" : values.size() + " values")
                    + " (expected: " + VALUES_PER_ENTRY + " x " + step.size() + " entries)");
        }
        if (failure == null && release && (values == null || values.size() != 1)) {
            failure = new IllegalStateException("release reply: " + values + " (expected: one value)");
        }
        for (int i = 0; i < step.size(); i++) {
            Entry entry = step.get(i);
            if (entry.bound != null) {
                entry.bound.cancel(false);
            }
            try {
                if (failure != null) {
                    entry.outcome.failed(failure);
                } else {
                    entry.outcome.answered(
                            release ? values : values.subList(VALUES_PER_ENTRY * i, VALUES_PER_ENTRY * (i + 1)));
                }
            } catch (RuntimeException e) {
                // One entry's outcome must not keep the others of its step unanswered.
                log.warn("room {}: answering its batch entry failed", entry.room, e);
            }
        }
    }

    /** Only what the script reads of a server counts: its name, state and capacity, in order. */
    static boolean sameServers(List<ServerStatus> a, List<ServerStatus> b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            ServerStatus x = a.get(i);
            ServerStatus y = b.get(i);
            if (!x.name().equals(y.name()) || x.state() != y.state() || x.capacity() != y.capacity()) {
                return false;
            }
        }
        return true;
    }

    /** One join or touch of a batch: its five script arguments and its outcome. */
    static final class Entry {
        private final String kind;
        private final String room;
        private final String second;
        private final String playerHash;
        private final String order;
        private final List<ServerStatus> servers;
        private final Outcome outcome;
        // Set before the entry is queued; read by the thread that answers it, after the queue's lock.
        private ScheduledFuture<?> bound;

        private Entry(String kind, String room, String second, String playerHash, String order,
                List<ServerStatus> servers, Outcome outcome) {
            this.kind = kind;
            this.room = Objects.requireNonNull(room, "room");
            this.second = second;
            this.playerHash = playerHash;
            this.order = order;
            this.servers = servers;
            this.outcome = Objects.requireNonNull(outcome, "outcome");
        }

        /**
         * A first join: {@code servers} is the agent's snapshot of the backend; the entry carries the room's
         * rendezvous order as positions in it.
         */
        static Entry join(String room, int size, String playerHash, List<ServerStatus> servers, Outcome outcome) {
            return new Entry("j", room, Integer.toString(size), playerHash,
                    RedisLayout.rendezvousPositions(room, servers), List.copyOf(servers), outcome);
        }

        /** A join answered from the cache: keeps the room alive and counts the arrival if its epoch still holds. */
        static Entry touch(String room, String epoch, String playerHash, Outcome outcome) {
            return new Entry("t", room, epoch, playerHash, "", null, outcome);
        }

        /** The room ended: a step of its own, after every entry queued before it. */
        static Entry release(String room, Outcome outcome) {
            return new Entry("r", room, "", "", "", null, outcome);
        }

        boolean isJoin() {
            return servers != null;
        }

        boolean isRelease() {
            return kind.equals("r");
        }

        boolean isTouch() {
            return kind.equals("t");
        }

        String room() {
            return room;
        }

        /** Adds the entry's five script arguments: a join's {@code j room size player order}, a touch's
         * {@code t room epoch player ''}. */
        void addArgs(List<String> args) {
            args.add(kind);
            args.add(room);
            args.add(second);
            args.add(playerHash);
            args.add(order);
        }
    }
}
