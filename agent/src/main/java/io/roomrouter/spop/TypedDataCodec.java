package io.roomrouter.spop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads and writes SPOP typed data (spop-protocol.md §1.3) and the untyped length-prefixed strings used for
 * KV-list keys, message, argument and variable names. Readers work on one complete frame: running out of bytes
 * is an invalid frame, never "wait for more". Everything read is copied out of the buffer.
 */
final class TypedDataCodec {

    /** Type in the low 4 bits, flags in the high 4. */
    private static final int TYPE_MASK = 0x0F;

    private static final int NULL = 0;
    private static final int BOOL = 1;
    private static final int IPV4 = 6;
    private static final int IPV6 = 7;
    private static final int STRING = 8;
    private static final int BINARY = 9;

    /** A BOOL's value is flag bit 0, the lowest bit of the high nibble: {@code 0x11} is true. */
    private static final int BOOL_TRUE_FLAG = 0x10;

    private static final int IPV4_BYTES = 4;
    private static final int IPV6_BYTES = 16;

    private TypedDataCodec() {}

    /** Reads one typed value. */
    static TypedData read(ByteBuf in) {
        requireReadable(in, 1, "data type");
        int typeByte = in.readUnsignedByte();
        int type = typeByte & TYPE_MASK;
        return switch (type) {
            case NULL -> TypedData.NULL;
            case BOOL -> new TypedData.Bool((typeByte & BOOL_TRUE_FLAG) != 0);
            case 2 -> new TypedData.Int(TypedData.IntType.INT32, Varint.read(in));
            case 3 -> new TypedData.Int(TypedData.IntType.UINT32, Varint.read(in));
            case 4 -> new TypedData.Int(TypedData.IntType.INT64, Varint.read(in));
            case 5 -> new TypedData.Int(TypedData.IntType.UINT64, Varint.read(in));
            case IPV4 -> new TypedData.Ip(readIpv4(in));
            case IPV6 -> new TypedData.Ip(readIpv6(in));
            case STRING -> new TypedData.Str(readString(in, "string"));
            case BINARY -> new TypedData.Binary(readBytes(in, "binary"));
            default -> throw new SpopCodecException(
                    SpopStatus.INVALID, "data type: " + type + " (expected: 0 to 9)");
        };
    }

    /** Writes one typed value. A STRING's type byte is exactly {@code 0x08}: HAProxy reads any flag as binary. */
    static void write(ByteBuf out, TypedData value) {
        if (value instanceof TypedData.Null) {
            out.writeByte(NULL);
        } else if (value instanceof TypedData.Bool bool) {
            out.writeByte(bool.value() ? BOOL_TRUE_FLAG | BOOL : BOOL);
        } else if (value instanceof TypedData.Int integer) {
            out.writeByte(integer.type().id());
            Varint.write(out, integer.value());
        } else if (value instanceof TypedData.Ip ip) {
            out.writeByte(ip.address() instanceof Inet4Address ? IPV4 : IPV6);
            out.writeBytes(ip.address().getAddress());
        } else if (value instanceof TypedData.Str str) {
            out.writeByte(STRING);
            writeString(out, str.value());
        } else if (value instanceof TypedData.Binary binary) {
            out.writeByte(BINARY);
            Varint.write(out, binary.length());
            out.writeBytes(binary.value());
        } else {
            throw new IllegalArgumentException("typed data: " + value + " (expected: a known TypedData)");
        }
    }

    /** The number of bytes {@link #write} uses for {@code value}, type byte included. */
    static int size(TypedData value) {
        if (value instanceof TypedData.Null || value instanceof TypedData.Bool) {
            return 1;
        } else if (value instanceof TypedData.Int integer) {
            return 1 + Varint.size(integer.value());
        } else if (value instanceof TypedData.Ip ip) {
            return 1 + (ip.address() instanceof Inet4Address ? IPV4_BYTES : IPV6_BYTES);
        } else if (value instanceof TypedData.Str str) {
            return 1 + stringSize(str.value());
        } else if (value instanceof TypedData.Binary binary) {
            return 1 + Varint.size(binary.length()) + binary.length();
        }
        throw new IllegalArgumentException("typed data: " + value + " (expected: a known TypedData)");
    }

    /** The wire name of {@code value}'s type, for error messages: {@code "INT64"}, {@code "STRING"}, ... */
    static String typeName(TypedData value) {
        if (value instanceof TypedData.Int integer) {
            return integer.type().name();
        } else if (value instanceof TypedData.Ip ip) {
            return ip.address() instanceof Inet4Address ? "IPV4" : "IPV6";
        } else if (value instanceof TypedData.Str) {
            return "STRING";
        }
        // Null, Bool and Binary: the record name is the wire name
        return value.getClass().getSimpleName().toUpperCase(Locale.ROOT);
    }

    /**
     * Reads a varint length and that many bytes as UTF-8 (malformed sequences become U+FFFD). {@code what} names
     * the field in the error message.
     */
    static String readString(ByteBuf in, String what) {
        int length = readLength(in, what);
        return in.readCharSequence(length, StandardCharsets.UTF_8).toString();
    }

    /** Writes {@code value} as a varint length and its UTF-8 bytes, without a type byte. */
    static void writeString(ByteBuf out, String value) {
        int length = ByteBufUtil.utf8Bytes(value);
        Varint.write(out, length);
        // writeUtf8 would reserve 3 bytes a char, more than the exact-size buffer the encoder allocates
        ByteBufUtil.reserveAndWriteUtf8(out, value, length);
    }

    /** The number of bytes {@link #writeString} uses for {@code value}. */
    static int stringSize(String value) {
        int length = ByteBufUtil.utf8Bytes(value);
        return Varint.size(length) + length;
    }

    /** Fails with an invalid-frame error unless {@code in} holds {@code bytes} more bytes. */
    static void requireReadable(ByteBuf in, int bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw new SpopCodecException(
                    SpopStatus.INVALID,
                    what + ": " + in.readableBytes() + " bytes left in the frame (expected: >= " + bytes + ")");
        }
    }

    private static byte[] readBytes(ByteBuf in, String what) {
        byte[] bytes = new byte[readLength(in, what)];
        in.readBytes(bytes);
        return bytes;
    }

    /** Reads a varint length and checks it against the bytes left before anyone allocates it. */
    static int readLength(ByteBuf in, String what) {
        long length = Varint.read(in);
        if (Long.compareUnsigned(length, in.readableBytes()) > 0) {
            throw new SpopCodecException(
                    SpopStatus.INVALID,
                    what + " length: " + Long.toUnsignedString(length) + " (expected: <= " + in.readableBytes()
                            + ", the bytes left in the frame)");
        }
        return (int) length;
    }

    private static InetAddress readIpv4(ByteBuf in) {
        requireReadable(in, IPV4_BYTES, "ipv4");
        byte[] address = new byte[IPV4_BYTES];
        in.readBytes(address);
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always an IPv4 address", e);
        }
    }

    private static InetAddress readIpv6(ByteBuf in) {
        requireReadable(in, IPV6_BYTES, "ipv6");
        byte[] address = new byte[IPV6_BYTES];
        in.readBytes(address);
        try {
            // Inet6Address.getByAddress keeps an IPv4-mapped address as IPv6, so it is written back as type 7;
            // InetAddress.getByAddress would turn it into an Inet4Address.
            return Inet6Address.getByAddress(null, address, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always an IPv6 address", e);
        }
    }
}
