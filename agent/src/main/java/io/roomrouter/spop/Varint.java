package io.roomrouter.spop;

import io.netty.buffer.ByteBuf;

/**
 * HAProxy's variable-length integer ({@code encode_varint} / {@code decode_varint} in {@code intops.h}), the
 * "peers" encoding, not LEB128. Values below 240 take one byte; a larger value starts with a byte whose high
 * nibble is {@code 1111}, then continues with 7-bit groups whose high bit says "more follows". The decoder adds
 * each whole byte, continuation bit included, which is why the encoder subtracts 240 and 128 as it goes.
 *
 * <p>All arithmetic is unsigned: a negative {@code long} is its 64-bit two's-complement pattern and takes 10 bytes.
 */
public final class Varint {

    /** 2^64-1 needs 10 bytes; the 10th byte is shifted by 60, the largest shift a 64-bit value can use. */
    public static final int MAX_BYTES = 10;

    private static final int ONE_BYTE_LIMIT = 240;
    private static final int CONTINUATION = 128;

    private Varint() {}

    /** Writes {@code value} (read as unsigned) in 1 to 10 bytes. */
    public static void write(ByteBuf out, long value) {
        long rest = value;
        if (Long.compareUnsigned(rest, ONE_BYTE_LIMIT) < 0) {
            out.writeByte((int) rest);
            return;
        }
        // the low 4 bits with the high nibble set to 1111
        out.writeByte((int) (rest | 0xF0));
        rest = (rest - ONE_BYTE_LIMIT) >>> 4;
        while (Long.compareUnsigned(rest, CONTINUATION) >= 0) {
            out.writeByte((int) (rest | 0x80));
            rest = (rest - CONTINUATION) >>> 7;
        }
        // below 128: its clear high bit ends the number
        out.writeByte((int) rest);
    }

    /**
     * Reads one varint. A number cut short by the end of {@code in}, or one longer than {@value #MAX_BYTES} bytes,
     * is an invalid frame: callers hand in a complete frame, so missing bytes will never arrive.
     *
     * @throws SpopCodecException with {@link SpopStatus#INVALID}
     */
    public static long read(ByteBuf in) {
        if (!in.isReadable()) {
            throw truncated(0);
        }
        int first = in.readUnsignedByte();
        long value = first;
        if (first < ONE_BYTE_LIMIT) {
            return value;
        }
        int shift = 4;
        for (int count = 1; ; count++) {
            if (count == MAX_BYTES) {
                throw new SpopCodecException(
                        SpopStatus.INVALID,
                        "varint: more than " + MAX_BYTES + " bytes (expected: <= " + MAX_BYTES + ")");
            }
            if (!in.isReadable()) {
                throw truncated(count);
            }
            int next = in.readUnsignedByte();
            value += (long) next << shift;
            if (next < CONTINUATION) {
                return value;
            }
            shift += 7;
        }
    }

    /** The number of bytes {@link #write} uses for {@code value}: 1 to 10. */
    public static int size(long value) {
        if (Long.compareUnsigned(value, ONE_BYTE_LIMIT) < 0) {
            return 1;
        }
        long rest = (value - ONE_BYTE_LIMIT) >>> 4;
        int size = 2;
        while (Long.compareUnsigned(rest, CONTINUATION) >= 0) {
            rest = (rest - CONTINUATION) >>> 7;
            size++;
        }
        return size;
    }

    private static SpopCodecException truncated(int bytesRead) {
        return new SpopCodecException(
                SpopStatus.INVALID,
                "varint: truncated after " + bytesRead + " bytes (expected: a last byte below 0x80 within the frame)");
    }
}
