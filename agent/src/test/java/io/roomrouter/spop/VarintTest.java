package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VarintTest {

    /** The example table of spop-protocol.md §1.2; values are unsigned 64-bit. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 00",
        "239, ef",
        "240, f0 00",
        "241, f1 00",
        "255, ff 00",
        "256, f0 01",
        "1000, f8 2f",
        "2287, ff 7f",
        "2288, f0 80 00",
        "2289, f1 80 00",
        "16380, fc f0 06",
        "264431, ff ff 7f",
        "264432, f0 80 80 00",
        "4294967295, ff f0 fe fe 7e",
        "18446744073709551615, ff f0 fe fe fe fe fe fe fe 0e",
    })
    void encodesAndDecodesTableRow(String unsignedValue, String hex) {
        long value = Long.parseUnsignedLong(unsignedValue);
        String expected = bytes().hex(hex).hexDump();

        ByteBuf written = Unpooled.buffer();
        Varint.write(written, value);
        assertThat(Bytes.hexDump(written)).isEqualTo(expected);
        assertThat(Varint.size(value)).isEqualTo(written.readableBytes());
        written.release();

        ByteBuf read = bytes().hex(hex).buf();
        assertThat(Varint.read(read)).isEqualTo(value);
        assertThat(read.isReadable()).isFalse();
        read.release();
    }

    @Test
    void minusOneIsTenBytes() {
        ByteBuf in = bytes().hex("ff f0 fe fe fe fe fe fe fe 0e").buf();
        assertThat(Varint.read(in)).isEqualTo(-1L);
        assertThat(Varint.size(-1L)).isEqualTo(Varint.MAX_BYTES);
        in.release();
    }

    @Test
    void minusFiveAsHaproxySendsAnInt64() {
        // int(-5) goes out as the varint of its two's-complement form
        ByteBuf in = bytes().hex("fb f0 fe fe fe fe fe fe fe 0e").buf();
        assertThat(Varint.read(in)).isEqualTo(-5L);
        in.release();
    }

    @Test
    void sizeChangesAtTheRangeBoundaries() {
        assertThat(Varint.size(239)).isEqualTo(1);
        assertThat(Varint.size(240)).isEqualTo(2);
        assertThat(Varint.size(2_287)).isEqualTo(2);
        assertThat(Varint.size(2_288)).isEqualTo(3);
        assertThat(Varint.size(264_431)).isEqualTo(3);
        assertThat(Varint.size(264_432)).isEqualTo(4);
        assertThat(Varint.size(33_818_863)).isEqualTo(4);
        assertThat(Varint.size(33_818_864)).isEqualTo(5);
        assertThat(Varint.size(4_328_786_159L)).isEqualTo(5);
        assertThat(Varint.size(4_328_786_160L)).isEqualTo(6);
    }

    @Test
    void roundTripsSequentialAndRandomValues() {
        ByteBuf buf = Unpooled.buffer(Varint.MAX_BYTES);
        Random random = new Random(20240712);
        for (int i = 0; i < 400_000; i++) {
            long value = i < 300_000 ? i : random.nextLong();
            buf.clear();
            Varint.write(buf, value);
            assertThat(buf.readableBytes()).isEqualTo(Varint.size(value));
            assertThat(Varint.read(buf)).isEqualTo(value);
            assertThat(buf.isReadable()).isFalse();
        }
        buf.release();
    }

    @Test
    void rejectsMoreThanTenBytes() {
        // the 10th byte still has its continuation bit set
        ByteBuf in = bytes().hex("ff f0 fe fe fe fe fe fe fe fe 00").buf();
        assertThatThrownBy(() -> Varint.read(in))
                .isInstanceOfSatisfying(
                        SpopCodecException.class, e -> assertThat(e.status()).isEqualTo(SpopStatus.INVALID))
                .hasMessage("varint: more than 10 bytes (expected: <= 10)");
        in.release();
    }

    @Test
    void rejectsATruncatedNumber() {
        // f0 announces more bytes; 80 continues; then the buffer ends
        ByteBuf in = bytes().hex("f0 80").buf();
        assertThatThrownBy(() -> Varint.read(in))
                .isInstanceOfSatisfying(
                        SpopCodecException.class, e -> assertThat(e.status()).isEqualTo(SpopStatus.INVALID))
                .hasMessage("varint: truncated after 2 bytes (expected: a last byte below 0x80 within the frame)");
        in.release();
    }

    @Test
    void rejectsAnEmptyBuffer() {
        ByteBuf in = Unpooled.EMPTY_BUFFER;
        assertThatThrownBy(() -> Varint.read(in))
                .isInstanceOf(SpopCodecException.class)
                .hasMessage("varint: truncated after 0 bytes (expected: a last byte below 0x80 within the frame)");
    }
}
