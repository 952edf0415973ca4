package io.roomrouter.agent;

import static io.roomrouter.agent.FakeRoomStore.placed;
import static io.roomrouter.agent.FakeRoomStore.placement;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.HaproxyDisconnect;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopStatus;
import io.roomrouter.spop.TypedData;
import io.roomrouter.spop.VarScope;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.TableReadBack;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One SPOP connection, with the session in the pipeline the agent gives it (decoder, encoder, session) and this
 * test playing HAProxy: frames go in as the bytes HAProxy sends, and what the agent writes is read back through
 * HAProxy's decoder.
 */
class SpopSessionTest {
    private static final int MAX_FRAME_SIZE = 16380;
    private static final HaproxyHello HELLO = new HaproxyHello("2.0", MAX_FRAME_SIZE, "pipelining", false,
            Optional.of("engine-1"));
    private static final AgentHello AGENT_HELLO = new AgentHello("2.0", MAX_FRAME_SIZE, "pipelining");
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(90);
    private static final SpopServer.Limits LIMITS = new SpopServer.Limits(MAX_FRAME_SIZE, HELLO_TIMEOUT, IDLE_TIMEOUT, 3);

    private final StaticInventory inventory = StaticInventory.parse(List.of("be_game=game1,game2"), 100);
    private final DecisionLog decisions = new DecisionLog(OutputStream.nullOutputStream());
    private final List<CompletableFuture<Placement>> pending = new ArrayList<>();
    private final FakeRoomStore pendingStore = new FakeRoomStore(request -> {
        CompletableFuture<Placement> placement = new CompletableFuture<>();
        pending.add(placement);
        return placement;
    });
    private final FlushCounter flushes = new FlushCounter();
    private final HeldClose heldClose = new HeldClose();
    private final HeldFlush heldFlush = new HeldFlush();
    private final EmbeddedChannel haproxy = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(MAX_FRAME_SIZE));
    private EmbeddedChannel agent;

    @AfterEach
    void close() {
        assertThat(received()).as("frames no test looked at").isEmpty();
        assertThat(agent.finish()).isFalse();
        assertThat(haproxy.finish()).isFalse();
        decisions.close();
    }

    @Test
    void aFailingStoreCallAnswersThatJoinWithAReasonAndTheOtherJoinsGoOn() {
        agent(new FakeRoomStore(request -> switch (request.room()) {
            case "throws" -> throw new IllegalStateException("connection pool exhausted");
            case "fails" -> CompletableFuture.failedFuture(new IllegalStateException("script error"));
            case "null" -> CompletableFuture.completedFuture(null); // the decision log trips on it
            default -> placed("game1");
        }));

        send(HELLO, join(1, "r1"), join(3, "throws"), join(5, "fails"), join(7, "null"), join(9, "r2"));

        assertThat(received()).containsExactly(
                AGENT_HELLO,
                placedAck(1),
                new Ack(3, 1, refused("store error")),
                new Ack(5, 1, refused("store error")),
                new Ack(7, 1, refused("internal error")),
                placedAck(9));
        assertThat(agent.isOpen()).isTrue();

        send(join(11, "r3"));
        assertThat(received()).containsExactly(placedAck(11));
    }

    @Test
    void anAckIsFittedToTheFrameSizeHaproxyNegotiatedItsLastActionsGivingWay() {
        // server, decision and fallback take about 170 bytes, the reason 130 more: past HAProxy's smallest frame
        String server = "s".repeat(60);
        String fallback = "f".repeat(60);
        String longReason = "r".repeat(RoomJoinHandler.MAX_VALUE_LENGTH);
        agent(new FakeRoomStore(request -> CompletableFuture.completedFuture(Placement.routed(
                Decision.PLACED, server, Optional.of(fallback), longReason, 0, 100))));

        send(new HaproxyHello("2.0", 256, "pipelining", false, Optional.empty()), join(1, "r1"));

        List<SpopFrame> frames = received();
        assertThat(frames).containsExactly(new AgentHello("2.0", 256, "pipelining"), new Ack(1, 1, List.of(
                new SpopAction.SetVar(VarScope.TXN, "server", new TypedData.Str(server)),
                new SpopAction.SetVar(VarScope.TXN, "decision", new TypedData.Str("placed")),
                new SpopAction.SetVar(VarScope.TXN, "fallback", new TypedData.Str(fallback)))));
        assertThat(SpopFrameEncoder.encodedSize(frames.get(1)) - Integer.BYTES).isLessThanOrEqualTo(256);
    }

    @Test
    void anErrorWhileAnsweringStillGetsAnAck() {
        // The store fails its stage, and a class missing from the jar fails the line that logs it: an Error, which
        // the handler leaves alone and its stage carries to the session.
        agent(new RoomStore() {
            @Override
            public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
                return CompletableFuture.failedFuture(new IllegalStateException("timeout"));
            }

            @Override
            public CompletionStage<Boolean> release(String backend, String room) {
                return CompletableFuture.completedFuture(false);
            }

            @Override
            public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
                throw new UnsupportedOperationException("only the agent's start-up reads the stick table back");
            }

            @Override
            public String kind() {
                throw new NoClassDefFoundError("io/roomrouter/store/Missing");
            }

            @Override
            public void close() {}
        });

        send(HELLO, join(1, "r1"));

        assertThat(received()).containsExactly(AGENT_HELLO, new Ack(1, 1, refused("internal error")));
        assertThat(agent.isOpen()).isTrue();
    }

    @Test
    void oneNotifyOverTheInFlightCapGetsResourceAndTheConnectionCloses() {
        agent(pendingStore);
        List<SpopFrame> atTheCap = new ArrayList<>();
        atTheCap.add(HELLO);
        for (int i = 0; i < SpopSession.MAX_IN_FLIGHT; i++) {
            atTheCap.add(join(2L * i + 1, "r" + i));
        }

        send(atTheCap.toArray(SpopFrame[]::new));
        assertThat(received()).containsExactly(AGENT_HELLO);
        assertThat(agent.isOpen()).isTrue();

        send(join(2L * SpopSession.MAX_IN_FLIGHT + 1, "one-too-many"));
        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.RESOURCE, "NOTIFY frames in flight: "
                + (SpopSession.MAX_IN_FLIGHT + 1) + " (expected: <= " + SpopSession.MAX_IN_FLIGHT + ")"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void acksDecidedDuringOneReadAreFlushedOnceWhenTheReadCompletes() {
        agent(new FakeRoomStore(request -> placed("game2")));

        agent.writeOneInbound(frames(HELLO, join(1, "r1"), join(3, "r2"), join(5, "r3")));
        assertThat(flushes.count).isZero();
        assertThat(agent.outboundMessages()).isEmpty();

        agent.flushInbound(); // channelReadComplete
        assertThat(flushes.count).isEqualTo(1);
        assertThat(received()).hasSize(4).element(3).isEqualTo(placedAck(5, "game2"));
    }

    @Test
    void anAckCompletedAfterTheReadIsFlushedAtOnce() {
        agent(pendingStore);
        send(HELLO, join(1, "r1"));
        assertThat(received()).containsExactly(AGENT_HELLO);
        int flushesAfterRead = flushes.count;

        pending.get(0).complete(placement("game1"));

        assertThat(flushes.count).isEqualTo(flushesAfterRead + 1);
        assertThat(received()).containsExactly(placedAck(1));
    }

    @Test
    void haproxyDisconnectIsAnsweredWithNormalAndTheConnectionCloses() {
        agent(pendingStore);

        send(HELLO, new HaproxyDisconnect(2, "a timeout occurred"));

        assertThat(received()).containsExactly(AGENT_HELLO, new AgentDisconnect(SpopStatus.NORMAL, "normal"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aNotifyBeforeHelloGetsInvalidAndTheConnectionCloses() {
        agent(pendingStore);

        send(join(1, "r1"));

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.INVALID,
                "NOTIFY before HELLO (expected: HAPROXY-HELLO first)"));
        assertThat(agent.isOpen()).isFalse();
        assertThat(pending).isEmpty();
    }

    @Test
    void anAckCompletedAfterTheConnectionStartedClosingIsNotWritten() {
        agent(pendingStore);
        heldClose.hold();
        send(HELLO, join(1, "r1"), new HaproxyDisconnect(0, "normal"));
        assertThat(received()).containsExactly(AGENT_HELLO, new AgentDisconnect(SpopStatus.NORMAL, "normal"));
        assertThat(agent.isOpen()).as("closing, its close held").isTrue();

        pending.get(0).complete(placement("game1"));

        assertThat(received()).isEmpty();
        heldClose.release();
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aHealthCheckHelloIsAnsweredAndTheConnectionCloses() {
        agent(pendingStore);

        // The encoder writes the keys in the order of option spop-check's fixed 82-byte probe.
        send(new HaproxyHello("2.0", MAX_FRAME_SIZE, "", true, Optional.empty()));

        assertThat(received()).containsExactly(AGENT_HELLO);
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void whileTheAgentDrainsHealthChecksAreRefusedAndJoinsStillAnswered() {
        SpopServer.Initializer initializer =
                new SpopServer.Initializer(LIMITS, new RoomJoinHandler(inventory, pendingStore, decisions, 10));
        agent = newConnection(initializer);
        initializer.drain().begin();

        send(new HaproxyHello("2.0", MAX_FRAME_SIZE, "", true, Optional.empty()));

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.NORMAL, "agent stopping"));
        assertThat(agent.isOpen()).isFalse();
        assertThat(agent.finish()).isFalse();

        agent = new EmbeddedChannel(initializer);
        send(HELLO, join(1, "r1"));
        pending.get(0).complete(placement("game1"));
        assertThat(received()).containsExactly(AGENT_HELLO, placedAck(1));
        assertThat(agent.isOpen()).isTrue();
    }

    @Test
    void aStopEndsTheConnectionOnceItsPendingJoinsAreAnswered() {
        agent(pendingStore);
        send(HELLO, join(1, "r1"), join(3, "r2"));
        assertThat(received()).containsExactly(AGENT_HELLO);

        agent.pipeline().fireUserEventTriggered(SpopSession.STOP);
        pending.get(0).complete(placement("game1"));
        assertThat(received()).containsExactly(placedAck(1));
        assertThat(agent.isOpen()).as("a join still pending").isTrue();

        pending.get(1).complete(placement("game1"));
        assertThat(received()).containsExactly(placedAck(3), new AgentDisconnect(SpopStatus.NORMAL, "agent stopping"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aStopEndsAConnectionWithNothingPendingAtOnce() {
        agent(pendingStore);
        send(HELLO);
        assertThat(received()).containsExactly(AGENT_HELLO);

        agent.pipeline().fireUserEventTriggered(SpopSession.STOP);

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.NORMAL, "agent stopping"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aMalformedFrameStillDisconnectsTheConnection() {
        agent(pendingStore);

        // An HTTP request instead of SPOP: its first 4 bytes read as a LENGTH of 1195725856.
        agent.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.TOO_BIG,
                "frame length: 1195725856 (expected: <= 16380)"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aConnectionWithoutHelloIsClosedWithTimeoutAtTheHelloDeadlineEvenWhileItTricklesBytes() {
        agent(pendingStore);
        ByteBuf hello = frames(HELLO);

        agent.advanceTimeBy(HELLO_TIMEOUT.toMillis() - 1000, TimeUnit.MILLISECONDS);
        agent.writeInbound(hello.readRetainedSlice(5)); // the start of a HELLO that never completes
        agent.runScheduledPendingTasks();
        assertThat(agent.isOpen()).isTrue();

        advance(1000);

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.TIMEOUT,
                "HAPROXY-HELLO: none within 5s of connecting (expected: within --hello-timeout)"));
        assertThat(agent.isOpen()).isFalse();
        hello.release();
    }

    @Test
    void aHelloInTimeStopsTheHelloClock() {
        agent(pendingStore);
        send(HELLO);

        advance(HELLO_TIMEOUT.toMillis() * 2);

        assertThat(received()).containsExactly(AGENT_HELLO);
        assertThat(agent.isOpen()).isTrue();
    }

    @Test
    void aReadyConnectionWithNothingReadOrPendingIsClosedAfterTheIdleTimeout() {
        agent(pendingStore);
        send(HELLO);
        assertThat(received()).containsExactly(AGENT_HELLO);

        advance(IDLE_TIMEOUT.toMillis() - 1000);
        assertThat(agent.isOpen()).isTrue();

        advance(1000);

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.TIMEOUT,
                "idle connection: no frame read and no join pending for --idle-timeout"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void aPendingJoinKeepsAnIdleConnectionOpenAndItsAckRestartsTheIdleClock() {
        agent(pendingStore);
        send(HELLO, join(1, "r1"));
        assertThat(received()).containsExactly(AGENT_HELLO);

        advance(IDLE_TIMEOUT.toMillis() * 2);
        assertThat(agent.isOpen()).isTrue();

        pending.get(0).complete(placement("game1"));
        assertThat(received()).containsExactly(placedAck(1));
        advance(IDLE_TIMEOUT.toMillis() - 1000);
        assertThat(agent.isOpen()).isTrue();

        advance(1000);
        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.TIMEOUT,
                "idle connection: no frame read and no join pending for --idle-timeout"));
        assertThat(agent.isOpen()).isFalse();
    }

    @Test
    void readsPauseWhileThePeerTakesNoAcksAndResumeWhenItDoes() {
        agent(new FakeRoomStore(request -> placed("game1")));
        agent.config().setWriteBufferWaterMark(new WriteBufferWaterMark(256, 512));
        heldFlush.hold();

        List<SpopFrame> joins = new ArrayList<>();
        joins.add(HELLO);
        for (int i = 0; i < 20; i++) {
            joins.add(join(2L * i + 1, "r" + i));
        }
        send(joins.toArray(SpopFrame[]::new));

        assertThat(agent.isWritable()).isFalse();
        assertThat(agent.config().isAutoRead()).as("reading while ACKs pile up").isFalse();

        heldFlush.release();
        agent.flush();
        agent.runPendingTasks();

        assertThat(agent.config().isAutoRead()).isTrue();
        assertThat(received()).hasSize(21).first().isEqualTo(AGENT_HELLO);
    }

    @Test
    void readsPauseAtSoManyPendingJoinsAndResumeWhenOneIsAnswered() {
        agent(pendingStore);
        List<SpopFrame> underThePause = new ArrayList<>();
        underThePause.add(HELLO);
        for (int i = 0; i < SpopSession.PAUSE_READS_AT - 1; i++) {
            underThePause.add(join(2L * i + 1, "r" + i));
        }
        send(underThePause.toArray(SpopFrame[]::new));
        assertThat(received()).containsExactly(AGENT_HELLO);
        assertThat(agent.config().isAutoRead()).isTrue();

        send(join(2L * SpopSession.PAUSE_READS_AT + 1, "the-pause"));
        assertThat(agent.config().isAutoRead()).isFalse();
        assertThat(agent.isOpen()).isTrue();

        pending.get(0).complete(placement("game1"));
        assertThat(received()).containsExactly(placedAck(1));
        assertThat(agent.config().isAutoRead()).isTrue();
    }

    @Test
    void pastMaxConnectionsANewConnectionGetsResourceAndAClosedOneFreesItsPlace() {
        SpopServer.Initializer listener = new SpopServer.Initializer(
                new SpopServer.Limits(MAX_FRAME_SIZE, HELLO_TIMEOUT, IDLE_TIMEOUT, 2),
                new RoomJoinHandler(inventory, pendingStore, decisions, 10));
        EmbeddedChannel first = new EmbeddedChannel(listener);
        EmbeddedChannel second = new EmbeddedChannel(listener);

        EmbeddedChannel refused = new EmbeddedChannel(listener);
        assertThat(received(refused)).containsExactly(
                new AgentDisconnect(SpopStatus.RESOURCE, "connections: 3 (expected: <= 2)"));
        assertThat(refused.isOpen()).isFalse();
        assertThat(refused.config().isAutoRead()).as("nothing of it read").isFalse();

        first.close();
        agent = new EmbeddedChannel(listener);
        send(HELLO);
        assertThat(received()).containsExactly(AGENT_HELLO);
        assertThat(second.finish()).isFalse();
        assertThat(refused.finish()).isFalse();
        assertThat(first.finish()).isFalse();
    }

    @Test
    void aPeersVersionsAreEscapedInTheDisconnectThatNamesThem() {
        agent(pendingStore);

        send(new HaproxyHello("1.0\nWARN forged\u001b[2J", MAX_FRAME_SIZE, "", false, Optional.empty()));

        assertThat(received()).containsExactly(new AgentDisconnect(SpopStatus.BAD_VERSION,
                "supported-versions: '1.0\\x0aWARN forged\\x1b[2J' (expected: to include 2.0)"));
        assertThat(agent.isOpen()).isFalse();
    }

    /** The agent's pipeline as {@code SpopServer} builds it, behind a close a test can hold and a flush count. */
    /** Moves the embedded event loop's clock on and runs what fell due. */
    private void advance(long millis) {
        agent.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        agent.runScheduledPendingTasks();
    }

    private void agent(RoomStore store) {
        agent = newConnection(new SpopServer.Initializer(LIMITS, new RoomJoinHandler(inventory, store, decisions, 10)));
    }

    private EmbeddedChannel newConnection(SpopServer.Initializer initializer) {
        return new EmbeddedChannel(heldClose, heldFlush, flushes, initializer);
    }

    /** Sends {@code frames} in one read, as HAProxy's pipelined frames arrive in one TCP segment. */
    private void send(SpopFrame... frames) {
        agent.writeInbound(frames(frames));
    }

    private static ByteBuf frames(SpopFrame... frames) {
        ByteBuf[] encoded = new ByteBuf[frames.length];
        for (int i = 0; i < frames.length; i++) {
            encoded[i] = SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, frames[i]);
        }
        return Unpooled.wrappedBuffer(encoded);
    }

    /** Everything the agent has flushed since the last call, decoded as HAProxy decodes it. */
    private List<SpopFrame> received() {
        return received(agent);
    }

    private List<SpopFrame> received(EmbeddedChannel connection) {
        for (ByteBuf written; (written = connection.readOutbound()) != null; ) {
            haproxy.writeInbound(written);
        }
        List<SpopFrame> frames = new ArrayList<>();
        for (SpopFrame frame; (frame = haproxy.readInbound()) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    private static Notify join(long streamId, String room) {
        return new Notify(streamId, 1, List.of(new SpopMessage(JoinMessage.NAME, List.of(
                new SpopMessage.Arg("room", new TypedData.Str(room)),
                new SpopMessage.Arg("backend", new TypedData.Str("be_game"))))));
    }

    private static Ack placedAck(long streamId) {
        return placedAck(streamId, "game1");
    }

    // What the handler answers for FakeRoomStore.placement: no fallback, as the fake store names none.
    private static Ack placedAck(long streamId, String server) {
        return new Ack(streamId, 1, List.of(
                new SpopAction.SetVar(VarScope.TXN, "server", new TypedData.Str(server)),
                new SpopAction.SetVar(VarScope.TXN, "decision", new TypedData.Str("placed")),
                reason("least-loaded")));
    }

    /** A join refused for {@code reason}: HAProxy answers 503 and the client retries. */
    private static List<SpopAction> refused(String reason) {
        return List.of(new SpopAction.SetVar(VarScope.TXN, "decision", new TypedData.Str("retry")), reason(reason));
    }

    private static SpopAction reason(String reason) {
        return new SpopAction.SetVar(VarScope.TXN, "reason", new TypedData.Str(reason));
    }

    /** Counts the flushes that reach the socket. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count++;
            ctx.flush();
        }
    }

    /** Passes flushes on, except while told to hold them: a peer that does not read what the agent writes. */
    private static final class HeldFlush extends ChannelOutboundHandlerAdapter {
        private boolean holding;

        void hold() {
            holding = true;
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!holding) {
                ctx.flush();
            }
        }

        void release() {
            holding = false;
        }
    }

    /** Passes closes on, except when told to hold one: the session is then closing, but the channel open. */
    private static final class HeldClose extends ChannelOutboundHandlerAdapter {
        private boolean holding;
        private ChannelHandlerContext ctx;
        private ChannelPromise held;

        void hold() {
            holding = true;
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (holding) {
                this.ctx = ctx;
                this.held = promise;
            } else {
                ctx.close(promise);
            }
        }

        void release() {
            holding = false;
            ctx.close(held);
        }
    }
}
