package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SpopFrameEncoderTest {

    @Test
    void encodesTheExampleAgentHello() {
        assertEncodes(
                new AgentHello("2.0", 16380, "pipelining"),
                bytes()
                        .hex("00 00 00 40") // LENGTH 64
                        .hex("65") // TYPE AGENT-HELLO
                        .hex("00 00 00 01") // FLAGS FIN
                        .hex("00 00") // stream-id 0, frame-id 0
                        .hex("07").ascii("version").hex("08 03").ascii("2.0") // STRING "2.0"
                        .hex("0e").ascii("max-frame-size").hex("03 fc f0 06") // UINT32 16380
                        .hex("0c").ascii("capabilities").hex("08 0a").ascii("pipelining")); // STRING
    }

    @Test
    void writesEmptyCapabilitiesToo() {
        assertEncodes(
                new AgentHello("2.0", 256, ""),
                bytes()
                        .hex("00 00 00 35") // LENGTH 53
                        .hex("65 00 00 00 01 00 00") // AGENT-HELLO, FIN, stream-id 0, frame-id 0
                        .hex("07").ascii("version").hex("08 03").ascii("2.0")
                        .hex("0e").ascii("max-frame-size").hex("03 f0 01") // UINT32 256
                        .hex("0c").ascii("capabilities").hex("08 00")); // STRING "": the key is still sent
    }

    @Test
    void encodesTheExampleAck() {
        assertEncodes(
                new Ack(3, 1, List.of(new SpopAction.SetVar(VarScope.TXN, "score", TypedData.Int.int32(42)))),
                bytes()
                        .hex("00 00 00 12") // LENGTH 18
                        .hex("67") // TYPE ACK
                        .hex("00 00 00 01") // FLAGS FIN
                        .hex("03 01") // stream-id 3, frame-id 1, copied from the NOTIFY
                        .hex("01 03") // set-var, NB-ARGS 3
                        .hex("02") // scope txn, no type byte
                        .hex("05").ascii("score") // name, no type byte
                        .hex("02 2a")); // INT32 42
    }

    @Test
    void encodesTheEmptyAck() {
        assertEncodes(new Ack(3, 1, List.of()), bytes().hex("00 00 00 07 67 00 00 00 01 03 01"));
    }

    @Test
    void encodesUnsetVarAndSetVarNull() {
        assertEncodes(
                new Ack(
                        0,
                        2,
                        List.of(
                                new SpopAction.UnsetVar(VarScope.SESS, "a"),
                                new SpopAction.SetVar(VarScope.RES, "b", TypedData.NULL))),
                bytes()
                        .hex("00 00 00 12") // LENGTH 18
                        .hex("67 00 00 00 01 00 02") // ACK, FIN, stream-id 0, frame-id 2
                        .hex("02 02 01 01").ascii("a") // unset-var, NB-ARGS 2, sess, "a"
                        .hex("01 03 04 01").ascii("b").hex("00")); // set-var, NB-ARGS 3, res, "b", NULL
    }

    @Test
    void encodesTheHealthCheckHelloAsHaproxySendsIt() {
        assertEncodes(
                new HaproxyHello("2.0", 16380, "", true, Optional.empty()),
                bytes()
                        .hex("00 00 00 4e 01 00 00 00 01 00 00") // LENGTH 78, HAPROXY-HELLO, FIN, 0, 0
                        .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0")
                        .hex("0e").ascii("max-frame-size").hex("03 fc f0 06")
                        .hex("0c").ascii("capabilities").hex("08 00")
                        .hex("0b").ascii("healthcheck").hex("11"));
    }

    @Test
    void encodesAnAgentDisconnect() {
        assertEncodes(
                AgentDisconnect.of(SpopStatus.TOO_BIG),
                bytes()
                        .hex("00 00 00 2f") // LENGTH 47
                        .hex("66 00 00 00 01 00 00") // AGENT-DISCONNECT, FIN, stream-id 0, frame-id 0
                        .hex("0b").ascii("status-code").hex("03 03") // UINT32 3
                        .hex("07").ascii("message").hex("08 10").ascii("frame is too big")); // 16 bytes
    }

    @Test
    void cutsALongDisconnectMessageTo255Bytes() {
        String message = "x".repeat(300);
        ByteBuf buf = SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, new AgentDisconnect(SpopStatus.IO, message));
        // 7 header bytes + status-code (14) + "message" key (8) + type (1) + varint 255 (ff 00, 2) + 255
        assertThat(buf.readableBytes()).isEqualTo(4 + 7 + 14 + 8 + 1 + 2 + 255);
        assertThat(Bytes.hexDump(buf.slice(buf.readableBytes() - 258, 3))).isEqualTo("08ff00");
        assertThat(decodeOnHaproxySide(buf)).isEqualTo(new AgentDisconnect(SpopStatus.IO, "x".repeat(255)));
    }

    @Test
    void cutsADisconnectMessageOnACharacterBoundary() {
        // "é" is 2 bytes: 128 of them are 256 bytes, and byte 255 would split the last one
        String message = "é".repeat(128);
        ByteBuf buf = SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, new AgentDisconnect(SpopStatus.IO, message));
        AgentDisconnect decoded = (AgentDisconnect) decodeOnHaproxySide(buf);
        assertThat(decoded.message()).isEqualTo("é".repeat(127));
        assertThat(decoded.message().getBytes(StandardCharsets.UTF_8)).hasSize(254);
    }

    @Test
    void keepsA255ByteMessageWhole() {
        String message = "€".repeat(85); // 3 bytes each: exactly 255
        assertThat(SpopFrameEncoder.truncateUtf8(message, 255)).isSameAs(message);
        assertThat(SpopFrameEncoder.truncateUtf8(message + "a", 255)).isEqualTo(message);
        // a 4-byte character straddling the limit is left out whole
        assertThat(SpopFrameEncoder.truncateUtf8("ab😀", 5)).isEqualTo("ab");
    }

    @Test
    void allocatesExactlyOneBufferOfTheFrameSizeInAPipeline() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        Ack ack = new Ack(7, 1, List.of(new SpopAction.SetVar(VarScope.TXN, "target", new TypedData.Str("app2"))));
        assertThat(ch.writeOutbound(ack)).isTrue();
        ByteBuf buf = ch.readOutbound();
        assertThat(buf.readableBytes()).isEqualTo(SpopFrameEncoder.encodedSize(ack));
        assertThat(buf.maxCapacity()).isEqualTo(buf.readableBytes());
        assertThat(decodeOnHaproxySide(buf)).isEqualTo(ack);
        assertThat(ch.<Object>readOutbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void isSharedBetweenChannels() {
        assertThat(SpopFrameEncoder.INSTANCE.isSharable()).isTrue();
        EmbeddedChannel first = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        EmbeddedChannel second = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        assertThat(first.writeOutbound(new Ack(1, 1, List.of()))).isTrue();
        assertThat(second.writeOutbound(new Ack(3, 1, List.of()))).isTrue();
        assertThat(first.finishAndReleaseAll()).isTrue();
        assertThat(second.finishAndReleaseAll()).isTrue();
    }

    @Test
    void rejectsAMessageWithMoreThan255Args() {
        List<SpopMessage.Arg> args = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            args.add(new SpopMessage.Arg("a" + i, TypedData.NULL));
        }
        Notify notify = new Notify(1, 1, List.of(new SpopMessage("big", args)));
        assertThatThrownBy(() -> SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, notify))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("message big args: 256 (expected: <= 255)");

        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        assertThatThrownBy(() -> ch.writeOutbound(notify))
                .isInstanceOf(EncoderException.class)
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(ch.finish()).isFalse();
    }

    /** Frames of every type, with edge values: they must come back equal through encoder and decoder. */
    static Stream<SpopFrame> frames() {
        return Stream.of(
                new HaproxyHello("2.0", 16380, "pipelining,async", false, Optional.of("e1b1c7b2-engine")),
                new HaproxyHello("2.0", 256, "", true, Optional.empty()),
                new HaproxyDisconnect(2, "a timeout occurred"),
                new HaproxyDisconnect(4_294_967_295L, ""),
                new Notify(0, 1, List.of()),
                new Notify(
                        -1L, // stream-id 2^64-1: ten-byte varint
                        2_288,
                        List.of(
                                new SpopMessage(
                                        "join",
                                        List.of(
                                                new SpopMessage.Arg("null", TypedData.NULL),
                                                new SpopMessage.Arg("t", new TypedData.Bool(true)),
                                                new SpopMessage.Arg("f", new TypedData.Bool(false)),
                                                new SpopMessage.Arg("i32", TypedData.Int.int32(Integer.MIN_VALUE)),
                                                new SpopMessage.Arg("u32", TypedData.Int.uint32(4_294_967_295L)),
                                                new SpopMessage.Arg("i64", TypedData.Int.int64(Long.MIN_VALUE)),
                                                new SpopMessage.Arg(
                                                        "u64", new TypedData.Int(TypedData.IntType.UINT64, -1L)),
                                                new SpopMessage.Arg("ip4", new TypedData.Ip(Bytes.address("0a000001"))),
                                                new SpopMessage.Arg(
                                                        "ip6",
                                                        new TypedData.Ip(Bytes.address(
                                                                "00000000 00000000 0000ffff 0a000001"))),
                                                new SpopMessage.Arg("s", new TypedData.Str("ß€😀")),
                                                new SpopMessage.Arg("", new TypedData.Str("")),
                                                new SpopMessage.Arg("b", new TypedData.Binary(new byte[300])))),
                                new SpopMessage("empty", List.of()))),
                new AgentHello("2.0", 16380, "pipelining"),
                new AgentHello("2.0", 256, ""),
                AgentDisconnect.of(SpopStatus.NORMAL),
                new AgentDisconnect(SpopStatus.BAD_FRAME_SIZE, "max-frame-size: 100000 (expected: <= 16380)"),
                new Ack(0, 1, List.of()),
                new Ack(
                        5,
                        1,
                        List.of(
                                new SpopAction.SetVar(VarScope.PROC, "p", TypedData.Int.int64(-5)),
                                new SpopAction.SetVar(VarScope.SESS, "s", new TypedData.Str("app1")),
                                new SpopAction.SetVar(VarScope.TXN, "t", TypedData.NULL),
                                new SpopAction.SetVar(VarScope.REQ, "r", new TypedData.Bool(true)),
                                new SpopAction.UnsetVar(VarScope.RES, "gone"))));
    }

    @ParameterizedTest
    @MethodSource("frames")
    void roundTripsThroughTheDecoder(SpopFrame frame) {
        EmbeddedChannel encoder = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        assertThat(encoder.writeOutbound(frame)).isTrue();
        ByteBuf encoded = encoder.readOutbound();
        assertThat(encoded.readableBytes()).isEqualTo(SpopFrameEncoder.encodedSize(frame));
        assertThat(encoder.finish()).isFalse();

        SpopFrameDecoder decoder = frame.type().sentByHaproxy()
                ? SpopFrameDecoder.forAgent(16380)
                : SpopFrameDecoder.forHaproxy(16380);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        assertThat(ch.writeInbound(encoded)).isTrue();
        assertThat(ch.<SpopFrame>readInbound()).isEqualTo(frame);
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    /** Checks the static and the pipeline encoders against the vector, and the announced size. */
    private static void assertEncodes(SpopFrame frame, Bytes expected) {
        ByteBuf direct = SpopFrameEncoder.encode(ByteBufAllocator.DEFAULT, frame);
        try {
            assertThat(Bytes.hexDump(direct)).isEqualTo(expected.hexDump());
            assertThat(direct.maxCapacity()).isEqualTo(direct.readableBytes());
        } finally {
            direct.release();
        }
        assertThat(SpopFrameEncoder.encodedSize(frame)).isEqualTo(expected.array().length);

        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameEncoder.INSTANCE);
        assertThat(ch.writeOutbound(frame)).isTrue();
        ByteBuf piped = ch.readOutbound();
        try {
            assertThat(Bytes.hexDump(piped)).isEqualTo(expected.hexDump());
        } finally {
            piped.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    /** Decodes one agent frame as HAProxy's side would; takes ownership of {@code buf}. */
    private static SpopFrame decodeOnHaproxySide(ByteBuf buf) {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(16380));
        assertThat(ch.writeInbound(buf)).isTrue();
        SpopFrame frame = ch.readInbound();
        assertThat(ch.finish()).isFalse();
        return frame;
    }
}
