package io.roomrouter.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strict {@code application/x-www-form-urlencoded} decoding for the admin endpoint. {@link java.net.URLDecoder}
 * turns a bad escape into an exception of its own or, for bad UTF-8, into U+FFFD, and a repeated name is left to the
 * caller; here each of them is refused with a reason the client can read, because a request whose meaning depends on
 * who decodes it must not change state.
 */
final class FormDecoder {
    private FormDecoder() {}

    /** A malformed form or path; the message says what and where. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    /**
     * The {@code name=value} pairs of {@code raw} ({@code a=1&b=2}); null or empty gives no pair. Each name at most
     * once; each pair has an {@code =}.
     */
    static Map<String, String> decode(String raw) throws MalformedException {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new MalformedException("parameter '" + shorten(pair) + "' (expected: name=value)");
            }
            String name = unescape(pair.substring(0, eq), true);
            String value = unescape(pair.substring(eq + 1), true);
            if (values.putIfAbsent(name, value) != null) {
                throw new MalformedException("parameter " + shorten(name) + " given twice (expected: once)");
            }
        }
        return values;
    }

    /** Percent-decodes a path ({@code +} stays itself); a bad escape or bad UTF-8 throws. */
    static String path(String raw) throws MalformedException {
        return unescape(raw, false);
    }

    private static String unescape(String raw, boolean plusIsSpace) throws MalformedException {
        if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (low < 0) {
                    throw new MalformedException("bad percent-escape '"
                            + shorten(raw.substring(i, Math.min(raw.length(), i + 3)))
                            + "' at offset " + i + " of '" + shorten(raw) + "' (expected: % and two hex digits)");
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("'" + shorten(raw) + "' is not UTF-8 once decoded");
        }
    }

    // What a reason quotes back is bounded and printable: the client sent it, a log or terminal may show it.
    static String shorten(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 64; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        return text.length() > 64 ? out + "..." : out.toString();
    }
}
