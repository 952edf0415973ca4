package io.roomrouter.placement;

import java.util.Optional;

/**
 * Room, player and backend ids come from clients: they are bounded in length and limited to characters that
 * are safe in a log line, a Redis key and a URL, so no id can grow a key without bound or forge a log field.
 */
public final class Identifiers {
    /** The longest id accepted, in characters. */
    public static final int MAX_LENGTH = 64;

    private Identifiers() {}

    /**
     * Why {@code value} is not a valid id of the given kind, or empty when it is. Allowed: 1 to 64 characters
     * from {@code [A-Za-z0-9._:-]}.
     */
    public static Optional<String> problem(String kind, String value) {
        if (value.isEmpty()) {
            return Optional.of(kind + " is empty");
        }
        if (value.length() > MAX_LENGTH) {
            return Optional.of(kind + " length " + value.length() + " (expected: <= " + MAX_LENGTH + ")");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isAllowed(c)) {
                return Optional.of(
                        kind + " has character 0x" + Integer.toHexString(c) + " at " + i + " (expected: [A-Za-z0-9._:-])");
            }
        }
        return Optional.empty();
    }

    private static boolean isAllowed(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == ':'
                || c == '-';
    }
}
