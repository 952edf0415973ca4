package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepeatedNamesTest {
    private final RepeatedNames names = new RepeatedNames();

    private static ByteBuf buffer(Bytes bytes) {
        return Unpooled.wrappedBuffer(bytes.array());
    }

    @Test
    void aNameSeenBeforeIsTheSameString() {
        ByteBuf in = buffer(bytes()
                .hex("04").ascii("room")     // length 4, "room"
                .hex("07").ascii("backend")  // length 7, "backend"
                .hex("04").ascii("room"));   // "room" again
        try {
            String first = names.read(in, "argument name");
            String backend = names.read(in, "argument name");
            String again = names.read(in, "argument name");

            assertThat(first).isEqualTo("room").isSameAs(again);
            assertThat(backend).isEqualTo("backend");
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void namesSharingASlotAreEachReadRight() {
        // More distinct names than slots: some share one, and each read must still give its own bytes.
        Bytes all = bytes();
        List<String> written = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 100; i++) {
                String name = "arg" + i;
                all.hex(String.format("%02x", name.length())).ascii(name);
                written.add(name);
            }
        }
        ByteBuf in = buffer(all);
        try {
            List<String> read = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                read.add(names.read(in, "argument name"));
            }
            assertThat(read).isEqualTo(written);
        } finally {
            in.release();
        }
    }

    @Test
    void aLongNameIsReadWhole() {
        String longName = "n".repeat(300);
        // varint 300: 240 + (60 & 0x0f) = fc, then 60 >> 4 = 03; then the 300 bytes
        ByteBuf in = buffer(bytes().hex("fc 03").ascii(longName));
        try {
            assertThat(names.read(in, "message name")).isEqualTo(longName);
        } finally {
            in.release();
        }
    }

    @Test
    void malformedUtf8BecomesTheReplacementCharacter() {
        ByteBuf in = buffer(bytes().hex("02 c3 28")); // length 2, then a lead byte with a bad continuation
        try {
            assertThat(names.read(in, "argument name")).isEqualTo("\uFFFD(");
        } finally {
            in.release();
        }
    }

    @Test
    void aLengthPastTheFrameIsRejectedBeforeReading() {
        ByteBuf in = buffer(bytes().hex("09").ascii("room")); // says 9 bytes, 4 follow
        try {
            assertThatThrownBy(() -> names.read(in, "argument name"))
                    .isInstanceOf(SpopCodecException.class)
                    .hasMessage("argument name length: 9 (expected: <= 4, the bytes left in the frame)");
        } finally {
            in.release();
        }
    }
}
