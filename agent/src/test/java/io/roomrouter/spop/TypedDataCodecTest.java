package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TypedDataCodecTest {

    /** Every type 0 to 9 with its encoding (spop-protocol.md §1.3). */
    static Stream<Arguments> vectors() {
        return Stream.of(
                Arguments.of(TypedData.NULL, "00"),
                Arguments.of(new TypedData.Bool(false), "01"),
                // BOOL true is flag bit 0, the low bit of the high nibble
                Arguments.of(new TypedData.Bool(true), "11"),
                Arguments.of(TypedData.Int.int32(42), "02 2a"),
                Arguments.of(TypedData.Int.int32(-1), "02 ff f0 fe fe fe fe fe fe fe 0e"),
                Arguments.of(TypedData.Int.uint32(4_294_967_295L), "03 ff f0 fe fe 7e"),
                Arguments.of(TypedData.Int.int64(-5), "04 fb f0 fe fe fe fe fe fe fe 0e"),
                Arguments.of(new TypedData.Int(TypedData.IntType.UINT64, -1), "05 ff f0 fe fe fe fe fe fe fe 0e"),
                Arguments.of(new TypedData.Ip(Bytes.address("c0 a8 01 02")), "06 c0 a8 01 02"),
                Arguments.of(
                        new TypedData.Ip(Bytes.address("20010db8 00000000 00000000 00000001")),
                        "07 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"),
                Arguments.of(new TypedData.Str("2.0"), bytes().hex("08 03").ascii("2.0").hexDump()),
                // the empty string is the single length byte 00
                Arguments.of(new TypedData.Str(""), "08 00"),
                // "é€" is 2 + 3 UTF-8 bytes
                Arguments.of(new TypedData.Str("é€"), "08 05 c3 a9 e2 82 ac"),
                Arguments.of(new TypedData.Binary(new byte[] {0, 1, (byte) 0xff}), "09 03 00 01 ff"),
                Arguments.of(new TypedData.Binary(new byte[0]), "09 00"));
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @MethodSource("vectors")
    void readsVector(TypedData expected, String hex) {
        ByteBuf in = bytes().hex(hex).buf();
        assertThat(TypedDataCodec.read(in)).isEqualTo(expected);
        assertThat(in.isReadable()).isFalse();
        in.release();
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @MethodSource("vectors")
    void writesVector(TypedData value, String hex) {
        ByteBuf out = Unpooled.buffer();
        TypedDataCodec.write(out, value);
        assertThat(Bytes.hexDump(out)).isEqualTo(bytes().hex(hex).hexDump());
        assertThat(TypedDataCodec.size(value)).isEqualTo(out.readableBytes());
        out.release();
    }

    @Test
    void keepsAnIpv4MappedIpv6AddressAsIpv6() {
        // ::ffff:10.0.0.1 must come back as type 7, not be turned into an IPv4 address
        Bytes mapped = bytes().hex("07 00 00 00 00 00 00 00 00 00 00 ff ff 0a 00 00 01");
        ByteBuf in = mapped.buf();
        TypedData value = TypedDataCodec.read(in);
        in.release();

        ByteBuf out = Unpooled.buffer();
        TypedDataCodec.write(out, value);
        assertThat(Bytes.hexDump(out)).isEqualTo(mapped.hexDump());
        out.release();
    }

    @Test
    void sizesALoneSurrogateAsTheQuestionMarkWritten() {
        // the encoder allocates exactly size() bytes, so size and write must agree even on malformed text
        TypedData value = new TypedData.Str("a\uD800b\uDC00");
        ByteBuf out = Unpooled.buffer();
        TypedDataCodec.write(out, value);
        assertThat(out.readableBytes()).isEqualTo(TypedDataCodec.size(value));
        assertThat(TypedDataCodec.read(out)).isEqualTo(new TypedData.Str("a?b?"));
        out.release();
    }

    @Test
    void readsBoolFromFlagBitZeroOnly() {
        // flags 0x2 (bit 1) set, bit 0 clear: false
        ByteBuf in = bytes().hex("21 31").buf();
        assertThat(TypedDataCodec.read(in)).isEqualTo(new TypedData.Bool(false));
        assertThat(TypedDataCodec.read(in)).isEqualTo(new TypedData.Bool(true));
        in.release();
    }

    @Test
    void rejectsReservedTypes() {
        for (int type = 10; type <= 15; type++) {
            // a flag in the high nibble does not change the type
            ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) (0x10 | type)});
            assertThatThrownBy(() -> TypedDataCodec.read(in))
                    .isInstanceOfSatisfying(
                            SpopCodecException.class, e -> assertThat(e.status()).isEqualTo(SpopStatus.INVALID))
                    .hasMessage("data type: " + type + " (expected: 0 to 9)");
            in.release();
        }
    }

    @Test
    void rejectsAStringLongerThanTheBytesLeft() {
        // STRING, length 5, but only "ab" follows
        ByteBuf in = bytes().hex("08 05").ascii("ab").buf();
        assertThatThrownBy(() -> TypedDataCodec.read(in))
                .isInstanceOfSatisfying(
                        SpopCodecException.class, e -> assertThat(e.status()).isEqualTo(SpopStatus.INVALID))
                .hasMessage("string length: 5 (expected: <= 2, the bytes left in the frame)");
        in.release();
    }

    @Test
    void rejectsAHugeBinaryLengthWithoutAllocatingIt() {
        // BINARY, length 2^64-1: an unsigned comparison, so it is neither negative nor truncated to an int
        ByteBuf in = bytes().hex("09 ff f0 fe fe fe fe fe fe fe 0e 00").buf();
        assertThatThrownBy(() -> TypedDataCodec.read(in))
                .isInstanceOf(SpopCodecException.class)
                .hasMessage("binary length: 18446744073709551615 (expected: <= 1, the bytes left in the frame)");
        in.release();
    }

    @Test
    void rejectsAShortIpv4Address() {
        ByteBuf in = bytes().hex("06 7f 00").buf();
        assertThatThrownBy(() -> TypedDataCodec.read(in))
                .isInstanceOf(SpopCodecException.class)
                .hasMessage("ipv4: 2 bytes left in the frame (expected: >= 4)");
        in.release();
    }

    @Test
    void rejectsAMissingValue() {
        assertThatThrownBy(() -> TypedDataCodec.read(Unpooled.EMPTY_BUFFER))
                .isInstanceOf(SpopCodecException.class)
                .hasMessage("data type: 0 bytes left in the frame (expected: >= 1)");
    }
}
