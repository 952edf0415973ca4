package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.HaproxyDisconnect;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameEncoder;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopMessage.Arg;
import io.roomrouter.spop.SpopStatus;
import io.roomrouter.spop.TypedData;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The running agent over real sockets, with this test playing HAProxy's side of SPOP. */
class AgentSpopIT {
    /**
     * Far above what the sockets between a peer and the agent hold when the agent stops reading (send and
     * receive buffers both ways, a few MB each here); an agent that kept reading took 437 MB in 30 s.
     */
    private static final long UNREAD_LIMIT = 64L * 1024 * 1024;
    private static Agent agent;
    private static InetSocketAddress address;
    private static EventLoopGroup group;

    @BeforeAll
    static void startAgent() throws Exception {
        agent = Agent.start(AgentOptions.parse(
                "--listen", "127.0.0.1:0", "--servers", "be_game=game1,game2,game3", "--server-capacity", "1000",
                "--hello-timeout", "1s"));
        address = agent.spopAddress();
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopAgent() {
        agent.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void answersHelloWithAllThreeKeys() throws Exception {
        try (SpopClient client = SpopClient.connect(group, address)) {
            client.send(new HaproxyHello("2.0", 16380, "pipelining", false, Optional.of("e1")));

            assertThat(client.next()).isEqualTo(new AgentHello("2.0", 16380, "pipelining"));
        }
    }

    @Test
    void negotiatesTheSmallerFrameSize() throws Exception {
        try (SpopClient client = SpopClient.connect(group, address)) {
            client.send(new HaproxyHello("2.0", 1024, "", false, Optional.empty()));

            assertThat(client.next()).isEqualTo(new AgentHello("2.0", 1024, "pipelining"));
        }
    }

    @Test
    void answersAHealthCheckAndCloses() throws Exception {
        try (SpopClient client = SpopClient.connect(group, address)) {
            // The exact 82-byte probe of option spop-check, on HAProxy 2.6 and 3.4 alike.
            client.sendRaw(bytes(
                    "00 00 00 4e", // length 78
                    "01", // HAPROXY-HELLO
                    "00 00 00 01", // flags: FIN
                    "00 00", // stream-id 0, frame-id 0
                    "12", "supported-versions", "08 03", "2.0",
                    "0e", "max-frame-size", "03 fc f0 06", // UINT32 16380
                    "0c", "capabilities", "08 00", // empty string
                    "0b", "healthcheck", "11")); // BOOL true

            assertThat(client.next()).isEqualTo(new AgentHello("2.0", 16380, "pipelining"));
            assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void refusesAnUnsupportedVersion() throws Exception {
        try (SpopClient client = SpopClient.connect(group, address)) {
            client.send(new HaproxyHello("1.0", 16380, "", false, Optional.empty()));

            AgentDisconnect disconnect = (AgentDisconnect) client.next();
            assertThat(disconnect.status()).isEqualTo(SpopStatus.BAD_VERSION);
            assertThat(disconnect.message()).isEqualTo("supported-versions: '1.0' (expected: to include 2.0)");
            assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void placesThenSticksAndEchoesStreamAndFrameIds() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.send(join(0, 1, "echo-room", "p1"));
            Ack first = (Ack) client.next();
            client.send(join(7, 2, "echo-room", "p2"));
            Ack second = (Ack) client.next();

            assertThat(first.streamId()).isZero();
            assertThat(first.frameId()).isEqualTo(1);
            assertThat(vars(first)).containsEntry("decision", "placed").containsKey("server");
            assertThat(second.streamId()).isEqualTo(7);
            assertThat(second.frameId()).isEqualTo(2);
            assertThat(vars(second))
                    .containsEntry("decision", "sticky")
                    .containsEntry("server", vars(first).get("server"));
        }
    }

    @Test
    void rejectsBadArgumentsWithAReason() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.send(new Notify(3, 1, List.of(new SpopMessage("room-join", List.of(
                    new Arg("room", new TypedData.Str("bad room")), new Arg("backend", new TypedData.Str("be_game")))))));

            Map<String, String> vars = vars((Ack) client.next());
            assertThat(vars).doesNotContainKey("server").containsEntry("decision", "rejected");
            assertThat(vars.get("reason")).startsWith("room has character 0x20");
        }
    }

    @Test
    void anUnknownBackendLeavesRoutingToHaproxy() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.send(new Notify(5, 1, List.of(new SpopMessage("room-join", List.of(
                    new Arg("room", new TypedData.Str("r1")), new Arg("backend", new TypedData.Str("be_other")))))));

            assertThat(vars((Ack) client.next())).containsOnly(Map.entry("reason", "unknown backend"));
        }
    }

    @Test
    void answersANotifyWithoutMessagesWithOneHarmlessAction() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.send(new Notify(9, 1, List.of()));

            Ack ack = (Ack) client.next();
            assertThat(ack.actions()).hasSize(1).first().isInstanceOf(SpopAction.UnsetVar.class);
        }
    }

    @Test
    void pipelinesTwentyNotifiesPerConnectionAndPlacesEachRoomOnce() throws Exception {
        List<SpopClient> clients = new ArrayList<>();
        try {
            for (int c = 0; c < 8; c++) {
                clients.add(SpopClient.ready(group, address));
            }
            // 8 connections x 20 NOTIFYs in flight: the first joins of 20 rooms, each room hit from every
            // connection at once.
            for (int c = 0; c < clients.size(); c++) {
                for (int r = 0; r < 20; r++) {
                    clients.get(c).sendWithoutFlush(join(2 * r + 1, 1, "race-" + r, "player-" + c));
                }
            }
            clients.forEach(SpopClient::flush);
            Map<String, Set<String>> serversByRoom = new HashMap<>();
            for (SpopClient client : clients) {
                Set<Long> streams = new HashSet<>();
                for (int i = 0; i < 20; i++) {
                    Ack ack = (Ack) client.next();
                    streams.add(ack.streamId());
                    String room = "race-" + (ack.streamId() - 1) / 2;
                    serversByRoom.computeIfAbsent(room, k -> new HashSet<>()).add(vars(ack).get("server"));
                }
                assertThat(streams).hasSize(20);
            }
            assertThat(serversByRoom).hasSize(20).allSatisfy((room, servers) -> assertThat(servers).hasSize(1));
        } finally {
            clients.forEach(SpopClient::close);
        }
    }

    @Test
    void junkGetsADisconnectAndOtherConnectionsCarryOn() throws Exception {
        try (SpopClient healthy = SpopClient.ready(group, address);
                SpopClient junk = SpopClient.connect(group, address)) {
            junk.sendRaw("GET /?room=r1 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            AgentDisconnect disconnect = (AgentDisconnect) junk.next();
            assertThat(disconnect.status()).isEqualTo(SpopStatus.TOO_BIG);
            assertThat(disconnect.message()).contains("1195725856").contains("16380");
            assertThat(junk.awaitClosed(Duration.ofSeconds(5))).isTrue();

            healthy.send(join(11, 1, "after-junk", "p1"));
            assertThat(vars((Ack) healthy.next())).containsEntry("decision", "placed");
        }
    }

    @Test
    void aFrameWithoutFinIsRefused() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.sendRaw(bytes(
                    "00 00 00 07", // length 7
                    "03", // NOTIFY
                    "00 00 00 00", // flags: FIN clear, a fragment
                    "01 01")); // stream-id 1, frame-id 1, no payload

            assertThat(((AgentDisconnect) client.next()).status()).isEqualTo(SpopStatus.NO_FRAGMENTATION);
            assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void aNotifyBeforeHelloIsInvalid() throws Exception {
        try (SpopClient client = SpopClient.connect(group, address)) {
            client.send(join(1, 1, "r1", "p1"));

            AgentDisconnect disconnect = (AgentDisconnect) client.next();
            assertThat(disconnect.status()).isEqualTo(SpopStatus.INVALID);
            assertThat(disconnect.message()).isEqualTo("NOTIFY before HELLO (expected: HAPROXY-HELLO first)");
        }
    }

    @Test
    void answersHaproxyDisconnectAndCloses() throws Exception {
        try (SpopClient client = SpopClient.ready(group, address)) {
            client.send(new HaproxyDisconnect(0, "normal"));

            assertThat(client.next()).isEqualTo(AgentDisconnect.of(SpopStatus.NORMAL));
            assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void aConnectionThatSendsNoHelloIsClosedAtTheHelloTimeout() throws Exception {
        try (SpopClient silent = SpopClient.connect(group, address)) {
            AgentDisconnect disconnect = (AgentDisconnect) silent.next(Duration.ofSeconds(5));

            assertThat(disconnect.status()).isEqualTo(SpopStatus.TIMEOUT);
            assertThat(disconnect.message()).startsWith("HAPROXY-HELLO: none within 1s");
            assertThat(silent.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void pastMaxConnectionsANewConnectionIsRefusedAndAClosedOneFreesItsPlace() throws Exception {
        try (Agent small = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--servers", "be_game=game1",
                "--warmup-joins", "0", "--max-connections", "2"))) {
            InetSocketAddress smallAddress = small.spopAddress();
            SpopClient first = SpopClient.ready(group, smallAddress);
            try (SpopClient second = SpopClient.ready(group, smallAddress);
                    SpopClient refused = SpopClient.connect(group, smallAddress)) {
                assertThat(refused.next()).isEqualTo(
                        new AgentDisconnect(SpopStatus.RESOURCE, "connections: 3 (expected: <= 2)"));
                assertThat(refused.awaitClosed(Duration.ofSeconds(5))).isTrue();
                second.send(join(1, 1, "r1", "p1"));
                assertThat(vars((Ack) second.next())).containsEntry("decision", "placed");

                first.close();
                // The agent frees the place when it sees the close, a moment after the client's.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                SpopFrame answer;
                do {
                    try (SpopClient next = SpopClient.connect(group, smallAddress)) {
                        // Not sent synchronously: a refused connection may be closed before the HELLO goes out, and
                        // its AGENT-DISCONNECT, sent on accept, is the answer to read.
                        next.sendWithoutFlush(new HaproxyHello("2.0", 16380, "pipelining", false, Optional.of("e1")));
                        next.flush();
                        answer = next.next();
                    }
                } while (answer instanceof AgentDisconnect && System.nanoTime() < deadline);
                assertThat(answer).isInstanceOf(AgentHello.class);
            } finally {
                first.close();
            }
        }
    }

    @Test
    void aPeerThatSendsWithoutReadingItsAcksIsStoppedByItsOwnSocketBuffers() throws Exception {
        ByteBuffer notifies = ByteBuffer.wrap(encoded(4096, i -> new Notify(i % 1000 + 1, 1, List.of())));
        try (SocketChannel peer = SocketChannel.open()) {
            peer.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            peer.connect(address);
            peer.write(ByteBuffer.wrap(encoded(1, i -> new HaproxyHello("2.0", 16380, "pipelining", false,
                    Optional.of("e1")))));
            peer.configureBlocking(false);

            // Send, never read: the ACKs fill the sockets, then pile up in the agent for as long as it reads.
            // Paranoid leak detection records every write to every ACK's buffer: an agent that keeps reading would
            // then do so at some 100 KB/s, with GC pauses that look like a stall. Sampled, for this flood only, it
            // reads at its own pace.
            ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.getLevel();
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
            long started = System.nanoTime();
            long flooded;
            try {
                flooded = offer(peer, notifies, Duration.ofSeconds(3), Duration.ofSeconds(30));
            } finally {
                ResourceLeakDetector.setLevel(leakDetection);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

            System.out.printf("a peer that reads nothing got %,d bytes of NOTIFYs to the agent in %d s%n",
                    flooded, seconds);
            assertThat(flooded).as("bytes a peer that reads nothing got into the agent").isLessThan(UNREAD_LIMIT);
            assertThat(seconds).as("seconds until the agent took nothing more for 3 s").isLessThan(30);
        }
        try (SpopClient healthy = SpopClient.ready(group, address)) {
            healthy.send(join(13, 1, "after-flood", "p1"));
            assertThat(vars((Ack) healthy.next())).containsEntry("decision", "placed");
        }
    }

    /** Writes {@code frames} over and over until no byte goes out for {@code stall} or {@code atMost} is over. */
    private static long offer(SocketChannel peer, ByteBuffer frames, Duration stall, Duration atMost)
            throws Exception {
        long sent = 0;
        long lastProgress = System.nanoTime();
        long deadline = lastProgress + atMost.toNanos();
        while (sent < UNREAD_LIMIT && System.nanoTime() < deadline
                && System.nanoTime() - lastProgress < stall.toNanos()) {
            int written = peer.write(frames);
            if (written > 0) {
                sent += written;
                lastProgress = System.nanoTime();
            } else {
                Thread.sleep(5);
            }
            if (!frames.hasRemaining()) {
                frames.rewind();
            }
        }
        return sent;
    }

    private static Notify join(long streamId, long frameId, String room, String player) {
        return new Notify(streamId, frameId, List.of(new SpopMessage("room-join", List.of(
                new Arg("room", new TypedData.Str(room)),
                new Arg("backend", new TypedData.Str("be_game")),
                new Arg("size", TypedData.NULL),
                new Arg("player", new TypedData.Str(player))))));
    }

    private static Map<String, String> vars(SpopFrame frame) {
        return HaproxySide.variables((Ack) frame);
    }

    private static byte[] encoded(int count, IntFunction<SpopFrame> frame) {
        ByteBuf out = Unpooled.buffer();
        try {
            for (int i = 0; i < count; i++) {
                ByteBuf one = SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, frame.apply(i));
                out.writeBytes(one);
                one.release();
            }
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Hex groups and ASCII words, concatenated: a hand-written frame that reads field by field. */
    private static byte[] bytes(String... parts) {
        StringBuilder hex = new StringBuilder();
        for (String part : parts) {
            if (part.matches("([0-9a-f]{2} ?)+")) {
                hex.append(part.replace(" ", ""));
            } else {
                for (byte b : part.getBytes(StandardCharsets.US_ASCII)) {
                    hex.append(String.format("%02x", b));
                }
            }
        }
        return java.util.HexFormat.of().parseHex(hex);
    }
}
