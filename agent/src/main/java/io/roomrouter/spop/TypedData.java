package io.roomrouter.spop;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A value in SPOP's typed-data encoding: one type byte (type in the low 4 bits, flags in the high 4) and
 * its body. HAProxy sends every integer sample as INT64 and a sample it cannot fetch as NULL.
 */
public sealed interface TypedData
        permits TypedData.Null, TypedData.Bool, TypedData.Int, TypedData.Ip, TypedData.Str, TypedData.Binary {

    /** The NULL value (type 0): an absent sample, or, in a set-var, "unset this variable". */
    Null NULL = new Null();

    /** Type 0. */
    record Null() implements TypedData {}

    /** Type 1: the value is flag bit 0 ({@code 0x11} is true, {@code 0x01} false). */
    record Bool(boolean value) implements TypedData {}

    /**
     * Types 2 to 5, all varints. {@code value} holds the 64 bits as sent: reinterpret it as unsigned for
     * UINT32 and UINT64.
     */
    record Int(IntType type, long value) implements TypedData {
        public Int {
            Objects.requireNonNull(type, "type");
        }

        public static Int int32(int value) {
            return new Int(IntType.INT32, value);
        }

        public static Int uint32(long value) {
            return new Int(IntType.UINT32, value);
        }

        public static Int int64(long value) {
            return new Int(IntType.INT64, value);
        }
    }

    /** Types 6 (IPV4, 4 bytes) and 7 (IPV6, 16 bytes), network order. */
    record Ip(InetAddress address) implements TypedData {
        public Ip {
            Objects.requireNonNull(address, "address");
        }
    }

    /** Type 8: a varint length and that many bytes, read as UTF-8. */
    record Str(String value) implements TypedData {
        public Str {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Type 9: a varint length and that many bytes. A class, not a record, so that equality compares contents and
     * the array is copied in and out: the value is immutable.
     */
    final class Binary implements TypedData {
        private final byte[] value;

        public Binary(byte[] value) {
            this.value = Objects.requireNonNull(value, "value").clone();
        }

        public byte[] value() {
            return value.clone();
        }

        public int length() {
            return value.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Binary other && Arrays.equals(value, other.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Binary[" + HexFormat.of().formatHex(value) + "]";
        }
    }

    /** The four integer types, with their type ids. */
    enum IntType {
        INT32(2),
        UINT32(3),
        INT64(4),
        UINT64(5);

        private final int id;

        IntType(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }
    }
}
