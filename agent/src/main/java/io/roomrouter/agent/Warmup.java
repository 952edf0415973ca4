package io.roomrouter.agent;

import io.netty.channel.EventLoopGroup;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.store.RoomStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Made-up joins through the whole decision path before the agent takes HAProxy's: a SPOP server of its own on a
 * loopback port (the same decoder, session, join handler and encoder), the agent's own store, and a client that
 * plays HAProxy over a real socket.
 *
 * <p>Why: a fresh JVM runs that path in the interpreter, loading classes as it goes. In the e2e logs an agent's
 * first decisions took 50 to 100 ms, in memory as through Redis. That is past HAProxy's {@code timeout processing}
 * (100 ms in the reference configuration: HAProxy then hashes the player itself), and far past
 * {@code --redis-timeout}: such a first join is refused ({@code retry}, a 503 the player must retry). The agent
 * pays that cost at start-up instead, within {@link #BUDGET}.
 *
 * <p>The rooms live on a backend of their own, {@value #BACKEND}, which no HAProxy has: they never count against a
 * real server, and they are released at the end. With Redis, the backend's {@code load} and {@code epoch} keys
 * stay (two small keys, shared by every agent; docs/redis-keys.md).
 */
final class Warmup {
    static final String BACKEND = "room-router-warmup";
    /** The longest start-up may spend here, releases included; a store slower than that ends the warm-up early. */
    static final Duration BUDGET = Duration.ofSeconds(5);
    static final int PLAYERS_PER_ROOM = 4;
    private static final List<String> SERVERS = List.of("warmup1", "warmup2", "warmup3");
    /**
     * NOTIFYs in flight at once, about as many as HAProxy keeps on one connection: the Redis store batches several
     * joins in one step, as under load. Waves of 64 took longer than the default {@code --redis-timeout} while the
     * path was still cold, so that most warm-up joins were answered without Redis and the placement path stayed cold.
     */
    private static final int WAVE = 16;
    private static final int RELEASES_AT_ONCE = 4;

    /**
     * What the warm-up did: joins sent, ACKs read back and their decisions, rooms released of those placed, how
     * long it took, and the first problem met (empty when none).
     */
    record Result(int joins, int acks, Map<String, Integer> decisions, int rooms, int released, long millis,
            Optional<String> problem) {}

    private Warmup() {}

    /**
     * Runs {@code joins} joins ({@value #PLAYERS_PER_ROOM} players a room, first joins first) on {@code store},
     * then releases the rooms; spends at most {@code budget}.
     */
    static Result run(RoomStore store, int joins, int roomSize, int maxFrameSize, Duration budget)
            throws InterruptedException {
        EventLoopGroup loops = SpopServer.newWorkers(1);
        try {
            return run(store, joins, roomSize, maxFrameSize, budget, loops);
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * As {@link #run(RoomStore, int, int, int, Duration)}, served on {@code loops}: the agent's own SPOP event loops,
     * so that the threads that will answer HAProxy, and the Redis store's I/O on one of them, are the ones warmed.
     */
    static Result run(RoomStore store, int joins, int roomSize, int maxFrameSize, Duration budget,
            EventLoopGroup loops) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + budget.toNanos();
        int rooms = Math.max(1, (joins + PLAYERS_PER_ROOM - 1) / PLAYERS_PER_ROOM);
        // Room names unique to this run: agents sharing Redis may warm up at the same time.
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
        StaticInventory inventory = StaticInventory.parse(
                List.of(BACKEND + "=" + String.join(",", SERVERS)), Math.max(1, rooms * roomSize));
        Progress progress = new Progress();
        try (DecisionLog decisions = new DecisionLog(OutputStream.nullOutputStream());
                SpopServer server = SpopServer.start(new HostAndPort("127.0.0.1", 0), limits(maxFrameSize, budget),
                        loops, new RoomJoinHandler(inventory, store, decisions, roomSize))) {
            talk(server.localAddress(), loops, joins, rooms, nonce, maxFrameSize, deadline, progress);
        } catch (IOException e) {
            progress.problem("SPOP connection: " + e);
        }
        int released = release(store, rooms, nonce, deadline, progress);
        return new Result(joins, progress.acks, Map.copyOf(progress.decisions), rooms, released,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), Optional.ofNullable(progress.problem));
    }

    // The warm-up's server serves its own single connection, for no longer than the warm-up lasts.
    private static SpopServer.Limits limits(int maxFrameSize, Duration budget) {
        return new SpopServer.Limits(maxFrameSize, budget, budget, 1);
    }

    static String room(String nonce, int index) {
        return "warmup-" + nonce + "-" + index;
    }

    // HAProxy's side: HELLO, then waves of NOTIFYs, each read back whole before the next goes out.
    private static void talk(InetSocketAddress address, EventLoopGroup loops, int joins, int rooms, String nonce,
            int maxFrameSize, long deadline, Progress progress) throws IOException, InterruptedException {
        try (SpopClient client = SpopClient.connect(loops, address, maxFrameSize,
                Duration.ofMillis(Math.max(1, remainingMillis(deadline))))) {
            client.send(HaproxySide.hello(maxFrameSize, "pipelining", "warmup"));
            if (!read(client, 1, deadline, progress)) {
                return;
            }
            for (int sent = 0; sent < joins; ) {
                int count = Math.min(WAVE, joins - sent);
                for (int i = 0; i < count; i++, sent++) {
                    client.sendWithoutFlush(
                            HaproxySide.roomJoin(sent, BACKEND, room(nonce, sent % rooms), "p" + sent / rooms));
                }
                client.flush();
                if (!read(client, count, deadline, progress)) {
                    return;
                }
            }
        }
    }

    // Reads `count` frames; false when the deadline passed or the agent closed first.
    private static boolean read(SpopClient client, int count, long deadline, Progress progress)
            throws InterruptedException {
        for (int frames = 0; frames < count; frames++) {
            Optional<SpopFrame> frame = client.poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (frame.isEmpty()) {
                progress.problem(client.isOpen()
                        ? "stopped at its time budget, after " + progress.acks + " ACKs"
                        : "the agent closed the warm-up connection" + client.error().map(e -> ": " + e).orElse(""));
                return false;
            }
            progress.frame(frame.get());
        }
        return true;
    }

    // A few releases at a time: the Redis store sends each as a step of its own, one after another, and bounds each
    // by --redis-timeout from when it was asked; hundreds at once would wait behind each other past that bound.
    private static int release(RoomStore store, int rooms, String nonce, long deadline, Progress progress)
            throws InterruptedException {
        // Releases get a second even when the joins spent the budget: rooms left behind would hold seats.
        long releaseDeadline = Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        int released = 0;
        for (int first = 0; first < rooms; first += RELEASES_AT_ONCE) {
            List<CompletableFuture<Boolean>> chunk = new ArrayList<>(RELEASES_AT_ONCE);
            for (int r = first; r < Math.min(rooms, first + RELEASES_AT_ONCE); r++) {
                chunk.add(store.release(BACKEND, room(nonce, r)).toCompletableFuture());
            }
            for (CompletableFuture<Boolean> release : chunk) {
                try {
                    if (release.get(Math.max(0, releaseDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        released++;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    progress.problem("a release was not confirmed in time (Redis still runs it): "
                            + (e instanceof ExecutionException ? e.getCause() : e));
                }
            }
        }
        return released;
    }

    private static long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    /** ACKs read so far, and the first problem. */
    private static final class Progress {
        final Map<String, Integer> decisions = new TreeMap<>();
        int acks;
        String problem;

        void frame(SpopFrame frame) {
            if (!(frame instanceof Ack ack)) {
                return; // the AGENT-HELLO
            }
            acks++;
            decisions.merge(HaproxySide.variable(ack, "decision").orElse("none"), 1, Integer::sum);
            if (HaproxySide.variable(ack, "server").isEmpty()) {
                problem("a join got no server: " + HaproxySide.variable(ack, "reason").orElse("(no reason)"));
            }
        }

        void problem(String what) {
            if (problem == null) {
                problem = what;
            }
        }
    }
}
