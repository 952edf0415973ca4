package io.roomrouter.spop;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The names one connection sends in every frame (message names, argument names, variable names), each decoded
 * to a {@code String} once: a name whose bytes equal the last name seen in its slot is that same {@code String}.
 * On the NOTIFY path decoding names was a fifth of all the agent allocated per decision. Values are not cached:
 * they change from frame to frame. Per connection, so not thread-safe and never shared.
 */
final class RepeatedNames {
    private static final int SLOTS = 32; // a power of two: more than the distinct names a frame type uses
    private static final int MAX_CACHED_LENGTH = 64;

    private final byte[][] bytes = new byte[SLOTS][];
    private final String[] names = new String[SLOTS];

    /** Reads a varint length and that many bytes as UTF-8, like {@link TypedDataCodec#readString}. */
    String read(ByteBuf in, String what) {
        int length = TypedDataCodec.readLength(in, what);
        if (length > MAX_CACHED_LENGTH) {
            return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
        }
        int start = in.readerIndex();
        int hash = length;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + in.getByte(start + i);
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        byte[] cached = bytes[slot];
        if (cached != null && sameBytes(in, start, cached, length)) {
            in.skipBytes(length);
            return names[slot];
        }
        byte[] copy = new byte[length];
        in.readBytes(copy);
        String name = new String(copy, StandardCharsets.UTF_8); // malformed sequences become U+FFFD
        bytes[slot] = copy;
        names[slot] = name;
        return name;
    }

    private static boolean sameBytes(ByteBuf in, int start, byte[] cached, int length) {
        if (cached.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (in.getByte(start + i) != cached[i]) {
                return false;
            }
        }
        return true;
    }
}
