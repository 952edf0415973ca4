package io.roomrouter.agent;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;

/**
 * Formats decision lines into one reused buffer, in the layout the agent gives slf4j-simple for its other lines
 * ({@code simplelogger.properties}): {@code 2026-11-21T11:15:15.101Z INFO decision - room=r1 backend=be_game
 * server=game2 fallback=game1 decision=placed reason=least-loaded load=23/100 micros=41}.
 *
 * <p>Why not through slf4j-simple: it builds a {@code SimpleDateFormat} result, a message string and a line
 * string for every line, about 2 KB of garbage a decision, more than all the rest of a decision allocates; at
 * 50 000 decisions a second that garbage alone set the pace of young collections. Here the timestamp is formatted
 * once a millisecond and the line goes to bytes in a buffer reused for every line. Not thread-safe: the decision
 * log's writer thread owns it.
 */
final class DecisionLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final StringBuilder line = new StringBuilder(256);
    private byte[] bytes = new byte[256];
    private long stampMillis = Long.MIN_VALUE;
    private String stamp = "";

    /** Formats one line, newline included, into {@link #bytes()}; returns its length in bytes. */
    int format(long nowMillis, String room, String backend, Placement placement, long micros) {
        if (nowMillis != stampMillis) {
            stampMillis = nowMillis;
            stamp = TIME.format(Instant.ofEpochMilli(nowMillis));
        }
        line.setLength(0);
        line.append(stamp)
                .append(placement.decision() == Decision.FULL ? " WARN" : " INFO")
                .append(" decision - room=").append(room)
                .append(" backend=").append(backend)
                .append(" server=").append(placement.server().orElse("-"))
                .append(" fallback=").append(placement.fallback().orElse("-"))
                .append(" decision=").append(placement.decision().wireName())
                .append(" reason=");
        appendQuoted(placement.reason());
        line.append(" load=").append(placement.load()).append('/').append(placement.capacity())
                .append(" micros=").append(micros)
                .append('\n');
        return encode();
    }

    /** The bytes of the last line formatted; valid until the next {@link #format}. */
    byte[] bytes() {
        return bytes;
    }

    // Ids are checked to be printable ASCII before they get here; only a reason (server names from HAProxy) can
    // hold other characters, and then the line goes through the JDK's encoder.
    private int encode() {
        int length = line.length();
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        for (int i = 0; i < length; i++) {
            char c = line.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = line.toString().getBytes(StandardCharsets.UTF_8);
                if (bytes.length < utf8.length) {
                    bytes = Arrays.copyOf(utf8, utf8.length);
                } else {
                    System.arraycopy(utf8, 0, bytes, 0, utf8.length);
                }
                return utf8.length;
            }
            bytes[i] = (byte) c;
        }
        return length;
    }

    // Free text is quoted unless it is one plain token, so that no reason can forge a key=value field.
    private void appendQuoted(String text) {
        boolean plain = !text.isEmpty();
        for (int i = 0; i < text.length() && plain; i++) {
            char c = text.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c < 0x7f;
        }
        if (plain) {
            line.append(text);
            return;
        }
        line.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < ' ' || c == 0x7f) {
                line.append('?');
            } else {
                line.append(c);
            }
        }
        line.append('"');
    }
}
