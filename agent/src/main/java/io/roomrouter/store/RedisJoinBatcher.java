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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of one backend's joins and cache-hit touches: at most {@code maxInFlight} script steps are under way
 * at a time, and when one returns, everything queued meanwhile (up to {@code maxEntries}) goes out as the next
 * single step. No join waits for a batch to fill: with no step under way a join goes out at once, alone; under load
 * the batches grow by themselves. One Redis round trip and one script call then serve many joins.
 *
 * <p>A touch, which nobody waits for, goes with the next step that leaves, and waits at most {@code touchDelay}
 * for one: at a sidecar's rates, where most joins are of known rooms and no step is under way when they come, each
 * touch was a script step of its own (a Redis round trip, a Lettuce command and the wake-ups of the threads that
 * carry them, per join); held that long they go out several to a step, or with the next first join. A step's worth
 * of touches ({@code maxEntries}) does not wait: at tens of thousands of cache hits a second, touches held for the
 * delay filled the queue's bound within milliseconds and the rest were dropped.
 *
 * <p>Each entry carries its own future ({@link Entry#reply}), as a Lettuce command does, and a join its own time
 * bound: a join whose step has not answered within {@code timeout} sees its future fail with {@link BoundPassed};
 * when it was sent already, the answer still reaches its {@code lateReply} when it comes (Redis placed the room
 * whatever this agent answered, and the agent must know where). A failed step fails only its own entries' futures.
 *
 * <p>The bound is Redis' time, not the agent's: when it fires late, the thread of the timer (in the agent, the
 * event loop that also sends the steps and reads Redis' replies) did not run for that long, and the agent, not Redis,
 * used that time. Such a bound gives the join as much again, at most {@code timeout / 2}, once: after a young
 * collection of 20 to 70 ms on a busy 2-core machine, joins whose step the pause had held back unsent were answered
 * {@code retry} as the loop resumed, though Redis then answered within a millisecond. A bound that fires on time
 * (Redis slow, silent or gone, the agent running) is not extended, so that a Redis outage still costs a join no more
 * than {@code timeout}.
 *
 * <p>Touches queue only while fewer than {@code maxInFlight x maxEntries} of them wait (about as many as the steps
 * under way hold); past that a touch is dropped at once (its future fails with {@link TouchesBehind}), and a
 * warning says how many, at most every {@link #WARN_EVERY}. A touch answers nobody, so nothing held them back when
 * joins were answered from the cache faster than Redis took their touches: the queue grew without bound, and every
 * first join or cache refresh queued behind it waited past its time bound (at 90 000 cache hits a second, 5 % of
 * the joins of known rooms were answered after {@code --redis-timeout}, as if Redis were down). What a dropped touch
 * does not do: keep the room alive in Redis (its other joins do), count its player's arrival (the seat stays held
 * until the reservation window ends, the same conservative count as a join Redis never answered), and renew the
 * room's entry in the agent's cache (its next join after that asks Redis).
 *
 * <p>Joins queue only while fewer than {@code maxQueuedJoins} wait; past that a join fails at once
 * (its future fails with {@link JoinsBehind}) and its player is answered without Redis. A join whose time
 * bound passed while it still waited here is never sent: its player has been answered without Redis already, and
 * a room Redis placed behind that answer would only hold seats for nobody. While Redis is silent nothing leaves
 * (the steps under way never return), so these two bounds are what keeps the queue small.
 *
 * <p>A release (a room ended) queues like the rest and goes out alone, as a step of its own, once every step taken
 * before it has returned: a release sent at once could reach Redis before a first join of the same room still
 * waiting here, and the room would then be placed after it ended. Taken is not enough: steps are taken under the
 * lock and sent outside it, so a step another thread took a moment earlier may not have reached Redis yet.
 *
 * <p>Threads: {@link #submit} runs on any thread (Netty event loops) and never blocks: it holds the lock only to
 * queue, and sends outside it. Steps complete, and the next step is sent, on the thread that completes the runner's
 * stage (a Lettuce I/O thread); time bounds fire on {@code timer}.
 */
final class RedisJoinBatcher {
    /** How many values the script answers per entry. */
    static final int VALUES_PER_ENTRY = 8;
    /** How many script arguments each entry adds. */
    static final int ARGS_PER_ENTRY = 6;

    private static final Logger log = LoggerFactory.getLogger(RedisJoinBatcher.class);
    /** A bound this late was held up by its thread, not by Redis; below it, a timer's usual slack. */
    static final long STALL_NOTICED_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final Duration WARN_EVERY = Duration.ofSeconds(10);

    /**
     * Runs one step: the servers of its joins (empty when it holds only touches), then the entries in order; a
     * release is always alone in its step.
     */
    @FunctionalInterface
    interface StepRunner {
        CompletableFuture<List<Object>> run(List<ServerStatus> servers, List<Entry<?>> entries);
    }

    /**
     * A join's time bound passed before its step answered. One instance per batcher, without a stack trace: when
     * Redis is slow they come by the thousand a second.
     */
    static final class BoundPassed extends TimeoutException {
        private static final long serialVersionUID = 1L;

        BoundPassed(Duration timeout) {
            super("no reply within " + timeout.toMillis() + " ms");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
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

    /** A join refused because too many joins wait already: Redis is far behind. Stackless, one per batcher. */
    static final class JoinsBehind extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JoinsBehind(int waiting) {
            super("joins waiting for redis: " + waiting + " (expected: < " + waiting + ")", null, false, false);
        }
    }

    private final StepRunner runner;
    private final ScheduledExecutorService timer;
    private final long timeoutNanos;
    private final long mostGraceNanos;
    private final int maxInFlight;
    private final int maxEntries;
    private final int maxQueuedTouches;
    private final int maxQueuedJoins;
    private final long touchDelayNanos;
    private final TouchesBehind touchesBehind;
    private final JoinsBehind joinsBehind;
    private final BoundPassed boundPassed;
    // Guarded by this.
    private final ArrayDeque<Entry<?>> queue = new ArrayDeque<>();
    private int inFlight;
    private int queuedTouches;
    private int queuedJoins;
    // Whether a flush of the queued touches is armed on the timer.
    private boolean touchFlushArmed;
    private long droppedTouches;
    // Written by the timer's thread only.
    private final AtomicLong extendedBounds = new AtomicLong();
    private long droppedReported;
    private final LongSupplier nanoTime;
    private long lastWarnNanos;

    /**
     * {@code timer} runs the joins' time bounds and the touches' flushes; {@code touchDelay} is the longest a touch
     * waits for a step to leave (zero: it leaves at once when it can); {@code nanoTime} paces the warnings of dropped
     * touches.
     */
    RedisJoinBatcher(StepRunner runner, ScheduledExecutorService timer, Duration timeout, Duration touchDelay,
            int maxInFlight, int maxEntries, int maxQueuedJoins, LongSupplier nanoTime) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.timer = Objects.requireNonNull(timer, "timer");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (touchDelay.isNegative()) {
            throw new IllegalArgumentException("touchDelay: " + touchDelay + " (expected: >= 0)");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 1)");
        }
        if (maxQueuedJoins < 1) {
            throw new IllegalArgumentException("maxQueuedJoins: " + maxQueuedJoins + " (expected: >= 1)");
        }
        this.timeoutNanos = timeout.toNanos();
        this.mostGraceNanos = timeoutNanos / 2;
        this.maxInFlight = maxInFlight;
        this.maxEntries = maxEntries;
        this.maxQueuedTouches = maxInFlight * maxEntries;
        this.maxQueuedJoins = maxQueuedJoins;
        this.touchDelayNanos = touchDelay.toNanos();
        this.touchesBehind = new TouchesBehind(maxQueuedTouches);
        this.joinsBehind = new JoinsBehind(maxQueuedJoins);
        this.boundPassed = new BoundPassed(timeout);
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.lastWarnNanos = nanoTime.getAsLong() - WARN_EVERY.toNanos();
    }

    /**
     * Queues one entry; sends it at once when fewer than {@code maxInFlight} steps are under way. Returns the
     * entry's {@link Entry#reply}, failed already when the entry is refused.
     */
    <R> CompletableFuture<R> submit(Entry<R> entry) {
        List<Entry<?>> step;
        long droppedSinceWarning = 0;
        RuntimeException refused = null;
        synchronized (this) {
            if (entry.isTouch() && queuedTouches >= maxQueuedTouches) {
                droppedTouches++;
                long now = nanoTime.getAsLong();
                if (now - lastWarnNanos >= WARN_EVERY.toNanos()) {
                    lastWarnNanos = now;
                    droppedSinceWarning = droppedTouches - droppedReported;
                    droppedReported = droppedTouches;
                }
                refused = touchesBehind;
                step = null;
            } else if (entry.isJoin() && queuedJoins >= maxQueuedJoins) {
                refused = joinsBehind;
                step = null;
            } else {
                if (entry.isJoin()) {
                    // Armed under the lock, before any step can take the entry: its bound then always runs after.
                    entry.boundDueNanos = nanoTime.getAsLong() + timeoutNanos;
                    entry.bound = timer.schedule(() -> expire(entry), timeoutNanos, TimeUnit.NANOSECONDS);
                    queuedJoins++;
                }
                queue.add(entry);
                if (entry.isTouch()) {
                    queuedTouches++;
                    // A step's worth leaves at once: waiting for the delay then only drops what comes meanwhile.
                    if (touchDelayNanos > 0 && queuedTouches < maxEntries) {
                        if (!touchFlushArmed) {
                            touchFlushArmed = true;
                            timer.schedule(this::flushTouches, touchDelayNanos, TimeUnit.NANOSECONDS);
                        }
                        return entry.reply; // with the next step that leaves, this flush's at the latest
                    }
                }
                if (inFlight >= maxInFlight) {
                    return entry.reply; // goes out with the next step, when one returns
                }
                inFlight++;
                step = take();
            }
        }
        if (refused != null) {
            if (droppedSinceWarning > 0) {
                log.warn("redis is behind the joins answered from the agent's cache: touches dropped since the last"
                        + " warning: {} ({} in all); their players' seats stay held until the reservation window ends",
                        droppedSinceWarning, droppedReported);
            }
            entry.reply.completeExceptionally(refused);
            return entry.reply;
        }
        if (step.isEmpty()) {
            finished(step, null, null);
        } else {
            send(step);
        }
        return entry.reply;
    }

    // The touches' delay passed: what is queued leaves now, unless a step that left meanwhile took it, or every step
    // is under way (the first to return takes it).
    private void flushTouches() {
        List<Entry<?>> step;
        synchronized (this) {
            touchFlushArmed = false;
            if (queue.isEmpty() || inFlight >= maxInFlight) {
                return;
            }
            inFlight++;
            step = take();
        }
        if (step.isEmpty()) {
            finished(step, null, null);
        } else {
            send(step);
        }
    }

    // The join's bound passed: its player is answered without Redis; unsent, it stays unsent (take() skips it). A
    // bound that fired late first gives the join the time the timer's thread lost (see the class comment).
    private void expire(Entry<?> entry) {
        long late = nanoTime.getAsLong() - entry.boundDueNanos;
        if (late >= STALL_NOTICED_NANOS && !entry.graced && !entry.reply.isDone()) {
            entry.graced = true;
            extendedBounds.incrementAndGet();
            entry.bound = timer.schedule(() -> expire(entry), Math.min(late, mostGraceNanos), TimeUnit.NANOSECONDS);
            return;
        }
        entry.expired = true;
        entry.reply.completeExceptionally(boundPassed);
    }

    /** Entries queued and not yet sent. */
    synchronized int queued() {
        return queue.size();
    }

    /** Joins whose bound came due while the timer's thread was held up, and was extended once. */
    long extendedBounds() {
        return extendedBounds.get();
    }

    /** Touches dropped so far because too many waited. */
    synchronized long droppedTouches() {
        return droppedTouches;
    }

    // The head of the queue and what follows it, up to maxEntries; a join whose servers differ from those of the
    // step's first join waits for the next step, since a step carries one server list. Joins whose bound passed
    // are dropped on the way. Called holding the lock; may return an empty step.
    private List<Entry<?>> take() {
        List<Entry<?>> step = new ArrayList<>(Math.min(queue.size(), maxEntries));
        if (!queue.isEmpty() && queue.peek().isRelease()) {
            if (releaseWaits()) {
                return step; // the step under way takes it when it returns
            }
            step.add(queue.poll());
            return step;
        }
        List<ServerStatus> servers = null;
        while (!queue.isEmpty() && step.size() < maxEntries) {
            Entry<?> next = queue.peek();
            if (next.isRelease()) {
                break;
            }
            if (next.isJoin() && next.expired) {
                queue.poll();
                queuedJoins--;
                continue;
            }
            if (next.isJoin()) {
                if (servers == null) {
                    servers = next.servers;
                } else if (!sameServers(servers, next.servers)) {
                    break;
                }
            }
            Entry<?> taken = queue.poll();
            if (taken.isTouch()) {
                queuedTouches--;
            } else if (taken.isJoin()) {
                queuedJoins--;
            }
            step.add(taken);
        }
        return step;
    }

    // Whether a release at the head of the queue must wait: a step other than the one being formed (which inFlight
    // counts already) is under way. Called holding the lock.
    private boolean releaseWaits() {
        return inFlight > 1;
    }

    private void send(List<Entry<?>> step) {
        List<ServerStatus> servers = List.of();
        for (Entry<?> entry : step) {
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

    private void finished(List<Entry<?>> step, List<Object> values, Throwable error) {
        List<Entry<?>> next = null;
        synchronized (this) {
            while (next == null && !queue.isEmpty()) {
                next = take();
                if (next.isEmpty()) {
                    next = null; // only expired joins were left, or a release waits for the other step
                    if (queue.peek() != null && queue.peek().isRelease() && releaseWaits()) {
                        break;
                    }
                }
            }
            if (next == null) {
                inFlight--;
            }
        }
        // The next step first: Redis works on it while this one's entries are answered here.
        if (next != null) {
            send(next);
        }
        if (!step.isEmpty()) {
            answer(step, values, error);
        }
    }

    private static void answer(List<Entry<?>> step, List<Object> values, Throwable error) {
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
            Entry<?> entry = step.get(i);
            if (entry.bound != null) {
                entry.bound.cancel(false);
            }
            try {
                if (failure != null) {
                    entry.reply.completeExceptionally(failure);
                } else {
                    entry.answer(release ? values : values.subList(VALUES_PER_ENTRY * i, VALUES_PER_ENTRY * (i + 1)));
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

    /**
     * One join, touch or release: its six script arguments ({@link #ARGS_PER_ENTRY}) and its future, of the
     * reply record of its kind.
     */
    static final class Entry<R> {
        private final ScriptOp op;
        private final String room;
        private final String second;
        private final String playerHash;
        private final String order;
        private final String claim;
        private final List<ServerStatus> servers;
        private final Function<List<Object>, R> parse;
        private final CompletableFuture<R> reply = new CompletableFuture<>();
        private final Consumer<R> lateReply;
        // Set under the queue's lock before the entry is queued, and again by the timer when it extends the bound;
        // read by the thread that answers it.
        private volatile ScheduledFuture<?> bound;
        // When the bound was due; set with it.
        private long boundDueNanos;
        // Whether the bound was extended once already; only the timer reads and writes it.
        private boolean graced;
        // Set by the bound's timer thread, read by take() under the queue's lock.
        private volatile boolean expired;

        private Entry(ScriptOp op, String room, String second, String playerHash, String order, String claim,
                List<ServerStatus> servers, Function<List<Object>, R> parse, Consumer<R> lateReply) {
            this.op = op;
            this.room = Objects.requireNonNull(room, "room");
            this.second = second;
            this.playerHash = playerHash;
            this.order = order;
            this.claim = Objects.requireNonNull(claim, "claim");
            this.servers = servers;
            this.parse = parse;
            this.lateReply = Objects.requireNonNull(lateReply, "lateReply");
        }

        /**
         * A join Redis decides: {@code servers} is the agent's snapshot of the backend; the entry carries the room's
         * rendezvous order as positions in it. {@code claim} is the server this agent knows the room on (empty for a
         * room it does not know): should Redis have lost the room, it keeps it there instead of placing it anew.
         * {@code lateReply} hears the answer that comes after the join's bound passed.
         */
        static Entry<JoinReply> join(String room, int size, String playerHash, List<ServerStatus> servers,
                String claim, Consumer<JoinReply> lateReply) {
            return join(room, size, playerHash, servers, claim, true, lateReply);
        }

        /**
         * As {@link #join(String, int, String, List, String, Consumer)}; {@code mayOpen} false when the join's
         * client is at its bound of rooms waiting for players: Redis then answers it for a room that exists and
         * rejects it for a new one.
         */
        static Entry<JoinReply> join(String room, int size, String playerHash, List<ServerStatus> servers,
                String claim, boolean mayOpen, Consumer<JoinReply> lateReply) {
            return new Entry<>(mayOpen ? ScriptOp.JOIN : ScriptOp.JOIN_EXISTING_ONLY, room, Integer.toString(size),
                    playerHash, RedisLayout.rendezvousPositions(room, servers), claim, List.copyOf(servers),
                    JoinReply::of, lateReply);
        }

        /** A join answered from the cache: keeps the room alive and counts the arrival if its epoch still holds. */
        static Entry<TouchReply> touch(String room, String epoch, String playerHash) {
            return new Entry<>(ScriptOp.TOUCH, room, epoch, playerHash, "", "", null, TouchReply::of,
                    Entry::noLateReply);
        }

        /** The room ended: a step of its own, after every entry queued before it. */
        static Entry<ReleaseReply> release(String room) {
            return new Entry<>(ScriptOp.RELEASE, room, "", "", "", "", null, ReleaseReply::of, Entry::noLateReply);
        }

        // Only joins have a time bound, so only they can be answered late.
        private static void noLateReply(Object reply) {}

        /**
         * The entry's reply, read from its {@value #VALUES_PER_ENTRY} values of its step's reply (a release's whole
         * reply); failed when its step failed or answered something that is not a batch reply, when its own values
         * are not a reply of its kind ({@link ScriptValues.ScriptReplyException}), or, for a join, when its bound
         * passed ({@link BoundPassed}) first; a join whose bound passed before it was sent is never sent.
         */
        CompletableFuture<R> reply() {
            return reply;
        }

        // Its own values of its step's reply: its future's, or, when its bound passed first, its late reply's.
        private void answer(List<Object> values) {
            R read;
            try {
                read = parse.apply(values);
            } catch (RuntimeException e) {
                reply.completeExceptionally(e); // only this entry's values are wrong
                return;
            }
            if (!reply.complete(read)) {
                lateReply.accept(read); // its bound passed while it was under way
            }
        }

        boolean isJoin() {
            return op.isJoin();
        }

        boolean isRelease() {
            return op == ScriptOp.RELEASE;
        }

        boolean isTouch() {
            return op == ScriptOp.TOUCH;
        }

        String room() {
            return room;
        }

        /**
         * Adds the entry's {@value #ARGS_PER_ENTRY} script arguments: a join's {@code j room size player order
         * claim}, a touch's {@code t room epoch player '' ''}.
         */
        void addArgs(List<String> args) {
            args.add(op.wire());
            args.add(room);
            args.add(second);
            args.add(playerHash);
            args.add(order);
            args.add(claim);
        }
    }
}
