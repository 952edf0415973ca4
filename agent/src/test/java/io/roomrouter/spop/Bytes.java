package io.roomrouter.spop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A hand-written byte vector: hex for the binary fields, ASCII for the text, so a test reads like the wire
 * diagrams in spop-protocol.md ({@code bytes().hex("0b").ascii("healthcheck").hex("11")}).
 */
final class Bytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Bytes() {}

    static Bytes bytes() {
        return new Bytes();
    }

    /** Appends hex digits; spaces are ignored. */
    Bytes hex(String hex) {
        out.writeBytes(HexFormat.of().parseHex(hex.replace(" ", "")));
        return this;
    }

    /** Appends the ASCII bytes of {@code text}, with no length prefix. */
    Bytes ascii(String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    byte[] array() {
        return out.toByteArray();
    }

    ByteBuf buf() {
        return Unpooled.wrappedBuffer(array());
    }

    String hexDump() {
        return HexFormat.of().formatHex(array());
    }

    /**
     * An IPv4 (4 bytes) or IPv6 (16 bytes) address from its hex digits in network order; spaces are ignored. An
     * IPv4-mapped IPv6 address stays IPv6, as the decoder keeps it.
     */
    static InetAddress address(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
        try {
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address: " + hex + " (expected: 4 or 16 bytes)", e);
        }
    }

    /** The readable bytes of {@code buf} as lower-case hex, without consuming them. */
    static String hexDump(ByteBuf buf) {
        return ByteBufUtil.hexDump(buf);
    }
}
