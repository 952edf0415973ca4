package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SpopFrameDecoderTest {

    private static final int DEFAULT_MAX = 16380;

    /** The fixed 82-byte probe of {@code option spop-check}, as 2.6.12 and 3.4.0 send it (§1.6). */
    private static Bytes healthCheckHello() {
        return bytes()
                .hex("00 00 00 4e") // LENGTH 78
                .hex("01") // TYPE HAPROXY-HELLO
                .hex("00 00 00 01") // FLAGS FIN
                .hex("00") // stream-id 0
                .hex("00") // frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0") // STRING "2.0"
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06") // UINT32 16380
                .hex("0c").ascii("capabilities").hex("08 00") // STRING ""
                .hex("0b").ascii("healthcheck").hex("11"); // BOOL true
    }

    /** An empty NOTIFY: no message at all, as HAProxy 3.1 to 3.3 could send. */
    private static Bytes emptyNotify(String streamIdHex) {
        return bytes()
                .hex("00 00 00 07") // LENGTH 7
                .hex("03") // TYPE NOTIFY
                .hex("00 00 00 01") // FLAGS FIN
                .hex(streamIdHex) // stream-id
                .hex("01"); // frame-id 1
    }

    @Test
    void decodesTheHealthCheckHello() {
        assertThat(healthCheckHello().array()).hasSize(82);
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), healthCheckHello());
        assertThat(frame).isEqualTo(new HaproxyHello("2.0", 16380, "", true, Optional.empty()));
    }

    @Test
    void decodesAHelloWithEngineIdAndSkipsUnknownKeys() {
        Bytes vector = bytes()
                .hex("00 00 00 8e") // LENGTH 142
                .hex("01") // TYPE HAPROXY-HELLO
                .hex("00 00 00 01") // FLAGS FIN
                .hex("00 00") // stream-id 0, frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0") // 24 bytes
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06") // 19 bytes
                .hex("0c").ascii("capabilities").hex("08 10").ascii("pipelining,async") // 31 bytes
                .hex("09").ascii("engine-id").hex("08 24").ascii("5e4f3c2b-1a09-4876-9543-210fedcba987") // 48
                .hex("08").ascii("x-future").hex("09 02 ca fe"); // unknown key, BINARY value: 13 bytes
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), vector);
        assertThat(frame)
                .isEqualTo(new HaproxyHello(
                        "2.0", 16380, "pipelining,async", false, Optional.of("5e4f3c2b-1a09-4876-9543-210fedcba987")));
    }

    @Test
    void readsAMissingCapabilitiesKeyAsEmpty() {
        Bytes vector = bytes()
                .hex("00 00 00 32") // LENGTH 50
                .hex("01 00 00 00 01 00 00") // HAPROXY-HELLO, FIN, stream-id 0, frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06");
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(new HaproxyHello("2.0", 16380, "", false, Optional.empty()));
    }

    @Test
    void decodesAHaproxyDisconnect() {
        Bytes vector = bytes()
                .hex("00 00 00 31") // LENGTH 49
                .hex("02") // TYPE HAPROXY-DISCONNECT
                .hex("00 00 00 01") // FLAGS FIN
                .hex("00 00") // stream-id 0, frame-id 0
                .hex("0b").ascii("status-code").hex("03 02") // UINT32 2
                .hex("07").ascii("message").hex("08 12").ascii("a timeout occurred"); // STRING, 18 bytes
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(new HaproxyDisconnect(2, "a timeout occurred"));
    }

    @Test
    void decodesANotifyWithTwoMessagesAndEveryDataType() {
        Bytes vector = bytes()
                .hex("00 00 00 92") // LENGTH 146
                .hex("03") // TYPE NOTIFY
                .hex("00 00 00 01") // FLAGS FIN
                .hex("00") // stream-id 0: HAProxy 2.6's first stream
                .hex("01") // frame-id 1
                // message 1: 72 bytes
                .hex("04").ascii("msg1")
                .hex("07") // NB-ARGS 7
                .hex("02").ascii("ip").hex("06 7f 00 00 01") // IPV4 127.0.0.1
                .hex("04").ascii("meth").hex("08 03").ascii("GET") // STRING "GET"
                .hex("04").ascii("bool").hex("11") // BOOL true
                .hex("03").ascii("neg").hex("04 fb f0 fe fe fe fe fe fe fe 0e") // INT64 -5, 10-byte varint
                .hex("04").ascii("hdrs").hex("09 04 00 01 fe ff") // BINARY 4 bytes
                .hex("04").ascii("miss").hex("00") // NULL: a sample HAProxy could not fetch
                .hex("00").hex("08 07").ascii("unnamed") // unnamed arg: empty name
                // message 2: 67 bytes
                .hex("04").ascii("msg2")
                .hex("05") // NB-ARGS 5
                .hex("03").ascii("i32").hex("02 2a") // INT32 42
                .hex("03").ascii("u32").hex("03 ff f0 fe fe 7e") // UINT32 2^32-1
                .hex("03").ascii("u64").hex("05 ff f0 fe fe fe fe fe fe fe 0e") // UINT64 2^64-1
                .hex("03").ascii("ip6").hex("07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01") // IPV6 ::1
                .hex("06").ascii("status").hex("04 c8"); // INT64 200
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), vector);

        SpopMessage msg1 = new SpopMessage(
                "msg1",
                List.of(
                        new SpopMessage.Arg("ip", new TypedData.Ip(Bytes.address("7f 00 00 01"))),
                        new SpopMessage.Arg("meth", new TypedData.Str("GET")),
                        new SpopMessage.Arg("bool", new TypedData.Bool(true)),
                        new SpopMessage.Arg("neg", TypedData.Int.int64(-5)),
                        new SpopMessage.Arg("hdrs", new TypedData.Binary(new byte[] {0, 1, (byte) 0xfe, (byte) 0xff})),
                        new SpopMessage.Arg("miss", TypedData.NULL),
                        new SpopMessage.Arg("", new TypedData.Str("unnamed"))));
        TypedData ipv6Loopback = new TypedData.Ip(Bytes.address("00000000 00000000 00000000 00000001"));
        SpopMessage msg2 = new SpopMessage(
                "msg2",
                List.of(
                        new SpopMessage.Arg("i32", TypedData.Int.int32(42)),
                        new SpopMessage.Arg("u32", TypedData.Int.uint32(4_294_967_295L)),
                        new SpopMessage.Arg("u64", new TypedData.Int(TypedData.IntType.UINT64, -1L)),
                        new SpopMessage.Arg("ip6", ipv6Loopback),
                        new SpopMessage.Arg("status", TypedData.Int.int64(200))));
        assertThat(frame).isEqualTo(new Notify(0, 1, List.of(msg1, msg2)));
    }

    @Test
    void decodesANotifyWithoutMessages() {
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(DEFAULT_MAX), emptyNotify("05"));
        assertThat(frame).isEqualTo(new Notify(5, 1, List.of()));
    }

    @Test
    void decodesPipelinedFramesFromOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        byte[] first = emptyNotify("01").array();
        byte[] second = emptyNotify("03").array();
        assertThat(ch.writeInbound(Unpooled.wrappedBuffer(first, second))).isTrue();
        assertThat((SpopFrame) ch.readInbound()).isEqualTo(new Notify(1, 1, List.of()));
        assertThat((SpopFrame) ch.readInbound()).isEqualTo(new Notify(3, 1, List.of()));
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesTheExampleAgentHello() {
        Bytes vector = bytes()
                .hex("00 00 00 40") // LENGTH 64
                .hex("65") // TYPE AGENT-HELLO
                .hex("00 00 00 01") // FLAGS FIN
                .hex("00 00") // stream-id 0, frame-id 0
                .hex("07").ascii("version").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06")
                .hex("0c").ascii("capabilities").hex("08 0a").ascii("pipelining");
        SpopFrame frame = decode(() -> SpopFrameDecoder.forHaproxy(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(new AgentHello("2.0", 16380, "pipelining"));
    }

    @Test
    void decodesTheExampleAck() {
        Bytes vector = bytes()
                .hex("00 00 00 12") // LENGTH 18
                .hex("67") // TYPE ACK
                .hex("00 00 00 01") // FLAGS FIN
                .hex("03") // stream-id 3
                .hex("01") // frame-id 1
                .hex("01 03") // set-var, NB-ARGS 3
                .hex("02") // scope txn, a raw byte
                .hex("05").ascii("score") // name, untyped
                .hex("02 2a"); // INT32 42
        SpopFrame frame = decode(() -> SpopFrameDecoder.forHaproxy(DEFAULT_MAX), vector);
        SpopAction setScore = new SpopAction.SetVar(VarScope.TXN, "score", TypedData.Int.int32(42));
        assertThat(frame).isEqualTo(new Ack(3, 1, List.of(setScore)));
    }

    @Test
    void decodesTheEmptyAck() {
        Bytes vector = bytes().hex("00 00 00 07 67 00 00 00 01 03 01"); // LENGTH 7, ACK, FIN, sid 3, fid 1
        SpopFrame frame = decode(() -> SpopFrameDecoder.forHaproxy(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(new Ack(3, 1, List.of()));
    }

    @Test
    void decodesAnUnsetVar() {
        Bytes vector = bytes()
                .hex("00 00 00 11") // LENGTH 17
                .hex("67 00 00 00 01 00 02") // ACK, FIN, stream-id 0, frame-id 2
                .hex("02 02") // unset-var, NB-ARGS 2
                .hex("01") // scope sess
                .hex("06").ascii("target");
        SpopFrame frame = decode(() -> SpopFrameDecoder.forHaproxy(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(new Ack(0, 2, List.of(new SpopAction.UnsetVar(VarScope.SESS, "target"))));
    }

    @Test
    void decodesAnAgentDisconnect() {
        Bytes vector = bytes()
                .hex("00 00 00 35") // LENGTH 53
                .hex("66 00 00 00 01 00 00") // AGENT-DISCONNECT, FIN, stream-id 0, frame-id 0
                .hex("0b").ascii("status-code").hex("03 04") // UINT32 4
                .hex("07").ascii("message").hex("08 16").ascii("invalid frame received");
        SpopFrame frame = decode(() -> SpopFrameDecoder.forHaproxy(DEFAULT_MAX), vector);
        assertThat(frame).isEqualTo(AgentDisconnect.of(SpopStatus.INVALID));
    }

    @Test
    void acceptsAFrameExactlyAtTheLimit() {
        // the health-check hello has LENGTH 78
        SpopFrame frame = decode(() -> SpopFrameDecoder.forAgent(78), healthCheckHello());
        assertThat(frame).isInstanceOf(HaproxyHello.class);
    }

    // ---- errors ----

    @Test
    void rejectsALengthAboveTheLimitBeforeTheBodyArrives() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        assertThat(ch.writeInbound(bytes().hex("00 01 00").buf())).isFalse();
        // the 4th byte completes LENGTH 65536: no body has been sent
        assertFails(ch, bytes().hex("00"), SpopStatus.TOO_BIG, "frame length: 65536 (expected: <= 16380)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsOneByteOverTheLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(77));
        assertFails(ch, healthCheckHello(), SpopStatus.TOO_BIG, "frame length: 78 (expected: <= 77)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void appliesALoweredLimitToTheNextFrame() {
        SpopFrameDecoder decoder = SpopFrameDecoder.forAgent(DEFAULT_MAX);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        assertThat(ch.writeInbound(healthCheckHello().buf())).isTrue();
        assertThat((SpopFrame) ch.readInbound()).isInstanceOf(HaproxyHello.class);

        decoder.maxFrameSize(256);
        assertThat(decoder.maxFrameSize()).isEqualTo(256);
        assertFails(ch, bytes().hex("00 00 01 2c"), SpopStatus.TOO_BIG, "frame length: 300 (expected: <= 256)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsALimitBelowTheSmallestFrame() {
        assertThatThrownBy(() -> SpopFrameDecoder.forAgent(6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameSize: 6 (expected: >= 7)");
        SpopFrameDecoder decoder = SpopFrameDecoder.forHaproxy(DEFAULT_MAX);
        assertThatThrownBy(() -> decoder.maxFrameSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameSize: 0 (expected: >= 7)");
    }

    @Test
    void rejectsAnHttpRequestAsTooBig() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // "GET " read as a LENGTH is 0x47455420
        assertFails(
                ch,
                bytes().ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                SpopStatus.TOO_BIG,
                "frame length: 1195725856 (expected: <= 16380)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsALengthBelowSeven() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // LENGTH 6: too short for TYPE, FLAGS and two varints
        assertFails(ch, bytes().hex("00 00 00 06 03 00 00 00 01 00"), SpopStatus.INVALID,
                "frame length: 6 (expected: >= 7)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAFrameWithoutFin() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // NOTIFY with FLAGS 0: the first fragment of a NOTIFY we never agreed to fragment
        assertFails(ch, bytes().hex("00 00 00 07 03 00 00 00 00 01 01"), SpopStatus.NO_FRAGMENTATION,
                "frame flags: 0x00000000 (expected: FIN bit 0x00000001 set)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAnUnknownFrameType() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // type 0: a fragment continuation with FIN|ABORT (HAProxy 2.6 to 3.0 only)
        assertFails(ch, bytes().hex("00 00 00 07 00 00 00 00 03 01 01"), SpopStatus.INVALID,
                "frame type: 0 (expected: 1, 2 or 3)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAnAgentFrameOnTheAgentSide() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // an empty ACK
        assertFails(ch, bytes().hex("00 00 00 07 67 00 00 00 01 03 01"), SpopStatus.INVALID,
                "frame type: 103 (expected: 1, 2 or 3)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAHaproxyFrameOnHaproxysSide() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        assertFails(ch, emptyNotify("01"), SpopStatus.INVALID, "frame type: 3 (expected: 101, 102 or 103)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAReservedDataType() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 0e") // LENGTH 14
                .hex("03 00 00 00 01 01 01") // NOTIFY, FIN, stream-id 1, frame-id 1
                .hex("03").ascii("msg")
                .hex("01") // NB-ARGS 1
                .hex("00") // unnamed
                .hex("0c"); // data type 12
        assertFails(ch, vector, SpopStatus.INVALID, "data type: 12 (expected: 0 to 9)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAVarintCutByTheEndOfTheFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // NOTIFY, stream-id 0, frame-id starts with f0 (more to come) but the frame ends
        assertFails(ch, bytes().hex("00 00 00 07 03 00 00 00 01 00 f0"), SpopStatus.INVALID,
                "varint: truncated after 1 bytes (expected: a last byte below 0x80 within the frame)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAVarintOfMoreThanTenBytes() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 11") // LENGTH 17
                .hex("03 00 00 00 01") // NOTIFY, FIN
                .hex("ff ff ff ff ff ff ff ff ff ff ff") // stream-id: 11 bytes, all with the high bit set
                .hex("01"); // frame-id 1
        assertFails(ch, vector, SpopStatus.INVALID, "varint: more than 10 bytes (expected: <= 10)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAStringLongerThanTheFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // NOTIFY whose message name claims 16 bytes; one is left
        assertFails(ch, bytes().hex("00 00 00 09 03 00 00 00 01 01 01 10").ascii("a"), SpopStatus.INVALID,
                "message name length: 16 (expected: <= 1, the bytes left in the frame)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsTrailingJunkInANotify() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        // an empty NOTIFY plus one stray byte, which reads as a name length
        assertFails(ch, bytes().hex("00 00 00 08 03 00 00 00 01 01 01 05"), SpopStatus.INVALID,
                "message name length: 5 (expected: <= 0, the bytes left in the frame)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAKeyWithoutAValue() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 36") // LENGTH 54
                .hex("01 00 00 00 01 00 00") // HAPROXY-HELLO, FIN, stream-id 0, frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06")
                .hex("03").ascii("abc"); // a key, then the frame ends
        assertFails(ch, vector, SpopStatus.INVALID, "data type: 0 bytes left in the frame (expected: >= 1)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAHelloWithAStreamId() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 4e") // LENGTH 78
                .hex("01 00 00 00 01") // HAPROXY-HELLO, FIN
                .hex("01") // stream-id 1
                .hex("00") // frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06")
                .hex("0c").ascii("capabilities").hex("08 00")
                .hex("0b").ascii("healthcheck").hex("11");
        assertFails(ch, vector, SpopStatus.INVALID,
                "HAPROXY-HELLO stream-id/frame-id: 1/0 (expected: 0/0)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAHelloWithoutSupportedVersions() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 1a") // LENGTH 26
                .hex("01 00 00 00 01 00 00") // HAPROXY-HELLO, FIN, stream-id 0, frame-id 0
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06");
        assertFails(ch, vector, SpopStatus.NO_VERSION,
                "HAPROXY-HELLO key supported-versions: missing (expected: present)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAHelloWithoutMaxFrameSize() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 1f") // LENGTH 31
                .hex("01 00 00 00 01 00 00") // HAPROXY-HELLO, FIN, stream-id 0, frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0");
        assertFails(ch, vector, SpopStatus.NO_FRAME_SIZE,
                "HAPROXY-HELLO key max-frame-size: missing (expected: present)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAMaxFrameSizeThatIsNotAnInteger() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 35") // LENGTH 53
                .hex("01 00 00 00 01 00 00") // HAPROXY-HELLO, FIN, stream-id 0, frame-id 0
                .hex("12").ascii("supported-versions").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("08 05").ascii("16380"); // a STRING
        assertFails(ch, vector, SpopStatus.INVALID,
                "max-frame-size type: STRING (expected: INT32, UINT32, INT64 or UINT64)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAnAgentHelloWithoutCapabilities() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        Bytes vector = bytes()
                .hex("00 00 00 27") // LENGTH 39
                .hex("65 00 00 00 01 00 00") // AGENT-HELLO, FIN, stream-id 0, frame-id 0
                .hex("07").ascii("version").hex("08 03").ascii("2.0")
                .hex("0e").ascii("max-frame-size").hex("03 fc f0 06");
        assertFails(ch, vector, SpopStatus.NO_CAPABILITIES,
                "AGENT-HELLO key capabilities: missing (expected: present)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsASetVarWithTwoArgs() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        assertFails(ch, bytes().hex("00 00 00 10 67 00 00 00 01 03 01 01 02 02 05").ascii("score"),
                SpopStatus.INVALID, "set-var nb-args: 2 (expected: 3)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAnUnknownScope() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        // unset-var, scope 7
        assertFails(ch, bytes().hex("00 00 00 10 67 00 00 00 01 03 01 02 02 07 05").ascii("score"),
                SpopStatus.INVALID, "var scope: 7 (expected: 0 to 4)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsAnUnknownAction() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        assertFails(ch, bytes().hex("00 00 00 09 67 00 00 00 01 03 01 05 00"), SpopStatus.INVALID,
                "action type: 5 (expected: 1 or 2)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void rejectsTrailingJunkInAnAck() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forHaproxy(DEFAULT_MAX));
        assertFails(ch, bytes().hex("00 00 00 08 67 00 00 00 01 03 01 01"), SpopStatus.INVALID,
                "action type and nb-args: 1 bytes left in the frame (expected: >= 2)");
        assertDiscardsEverythingAfterwards(ch);
    }

    @Test
    void deliversTheFramesBeforeAnError() {
        EmbeddedChannel ch = new EmbeddedChannel(SpopFrameDecoder.forAgent(DEFAULT_MAX));
        byte[] good = emptyNotify("01").array();
        byte[] bad = bytes().hex("00 00 00 07 03 00 00 00 00 03 01").array(); // FIN clear
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(good, bad, good)))
                .isInstanceOf(SpopCodecException.class);
        assertThat((SpopFrame) ch.readInbound()).isEqualTo(new Notify(1, 1, List.of()));
        // the good frame after the bad one is not parsed
        assertDiscardsEverythingAfterwards(ch);
    }

    // ---- helpers ----

    /**
     * Decodes a one-frame vector twice, fed whole and fed one byte at a time, and checks that both give the same
     * frame and nothing else.
     */
    private static SpopFrame decode(Supplier<SpopFrameDecoder> decoders, Bytes vector) {
        byte[] bytes = vector.array();

        EmbeddedChannel whole = new EmbeddedChannel(decoders.get());
        assertThat(whole.writeInbound(Unpooled.wrappedBuffer(bytes))).isTrue();
        SpopFrame frame = whole.readInbound();
        assertThat(whole.<Object>readInbound()).isNull();
        assertThat(whole.finish()).isFalse();

        EmbeddedChannel byByte = new EmbeddedChannel(decoders.get());
        for (int i = 0; i < bytes.length - 1; i++) {
            assertThat(byByte.writeInbound(Unpooled.wrappedBuffer(bytes, i, 1))).isFalse();
        }
        assertThat(byByte.writeInbound(Unpooled.wrappedBuffer(bytes, bytes.length - 1, 1))).isTrue();
        assertThat((SpopFrame) byByte.readInbound()).isEqualTo(frame);
        assertThat(byByte.<Object>readInbound()).isNull();
        assertThat(byByte.finish()).isFalse();
        return frame;
    }

    private static void assertFails(EmbeddedChannel ch, Bytes input, SpopStatus status, String message) {
        assertThatThrownBy(() -> ch.writeInbound(input.buf()))
                .isInstanceOfSatisfying(SpopCodecException.class, e -> assertThat(e.status()).isEqualTo(status))
                .hasMessage(message);
        assertThat(ch.<Object>readInbound()).isNull();
    }

    /** After its one error the decoder swallows valid frames and garbage alike, without a second exception. */
    private static void assertDiscardsEverythingAfterwards(EmbeddedChannel ch) {
        assertThat(ch.writeInbound(healthCheckHello().buf())).isFalse();
        assertThat(ch.writeInbound(emptyNotify("01").buf())).isFalse();
        assertThat(ch.writeInbound(bytes().ascii("GET / HTTP/1.1\r\n").buf())).isFalse();
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
