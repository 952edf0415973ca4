package io.roomrouter.agent;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.TypedData;
import io.roomrouter.store.RoomStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

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
            talk(server.localAddress(), joins, rooms, nonce, maxFrameSize, deadline, progress);
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
    private static void talk(InetSocketAddress address, int joins, int rooms, String nonce, int maxFrameSize,
            long deadline, Progress progress) throws IOException {
        EmbeddedChannel acks = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(maxFrameSize));
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(address, (int) Math.max(1, remainingMillis(deadline)));
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream wave = new ByteArrayOutputStream();
            append(wave, new HaproxyHello("2.0", maxFrameSize, "pipelining", false, Optional.of("warmup")));
            out.write(wave.toByteArray());
            if (!read(in, acks, socket, 1, deadline, progress)) {
                return;
            }
            for (int sent = 0; sent < joins; ) {
                wave.reset();
                int count = Math.min(WAVE, joins - sent);
                for (int i = 0; i < count; i++, sent++) {
                    append(wave, roomJoin(sent, room(nonce, sent % rooms), "p" + sent / rooms));
                }
                out.write(wave.toByteArray());
                if (!read(in, acks, socket, count, deadline, progress)) {
                    return;
                }
            }
        } finally {
            acks.finishAndReleaseAll();
        }
    }

    // Reads until `count` frames are decoded; false when the deadline passed or the agent closed first.
    private static boolean read(InputStream in, EmbeddedChannel decoder, Socket socket, int count, long deadline,
            Progress progress) throws IOException {
        byte[] buffer = new byte[1 << 16];
        int frames = 0;
        while (frames < count) {
            long remaining = remainingMillis(deadline);
            if (remaining <= 0) {
                progress.problem("stopped at its time budget, after " + progress.acks + " ACKs");
                return false;
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining));
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                continue;
            }
            if (n < 0) {
                progress.problem("the agent closed the warm-up connection");
                return false;
            }
            decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
            for (SpopFrame frame; (frame = decoder.readInbound()) != null; frames++) {
                progress.frame(frame);
            }
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

    private static Notify roomJoin(int streamId, String room, String player) {
        return new Notify(streamId, 1, List.of(new SpopMessage(JoinMessage.NAME, List.of(
                new SpopMessage.Arg("room", new TypedData.Str(room)),
                new SpopMessage.Arg("backend", new TypedData.Str(BACKEND)),
                new SpopMessage.Arg("size", TypedData.NULL),
                new SpopMessage.Arg("player", new TypedData.Str(player))))));
    }

    private static void append(ByteArrayOutputStream wave, SpopFrame frame) {
        ByteBuf encoded = SpopFrameEncoder.encode(ALLOC, frame);
        try {
            wave.writeBytes(ByteBufUtil.getBytes(encoded));
        } finally {
            encoded.release();
        }
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
            decisions.merge(variable(ack, "decision").orElse("none"), 1, Integer::sum);
            if (variable(ack, "server").isEmpty()) {
                problem("a join got no server: " + variable(ack, "reason").orElse("(no reason)"));
            }
        }

        void problem(String what) {
            if (problem == null) {
                problem = what;
            }
        }

        private static Optional<String> variable(Ack ack, String name) {
            for (SpopAction action : ack.actions()) {
                if (action instanceof SpopAction.SetVar set && set.name().equals(name)
                        && set.value() instanceof TypedData.Str value) {
                    return Optional.of(value.value());
                }
            }
            return Optional.empty();
        }
    }
}
