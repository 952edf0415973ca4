package io.roomrouter.store;

import java.util.List;
import java.util.Locale;

/**
 * Reads the values of a script reply, for the reply records ({@link JoinReply}, {@link TouchReply},
 * {@link ReleaseReply}, {@link AdoptReply}): each value by its position, with a message that names the reply, the
 * position, the value read and what was expected, as a codec does. Only those records read script replies.
 */
final class ScriptValues {
    private ScriptValues() {}

    /** A reply that is not one the script gives: the value read and what was expected. */
    static final class ScriptReplyException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ScriptReplyException(String message) {
            super(message);
        }
    }

    static void count(List<Object> values, int expected, String reply) {
        if (values.size() != expected) {
            throw new ScriptReplyException(reply + ": " + values + " (expected: " + expected + " values)");
        }
    }

    static String text(List<Object> values, int index, String reply) {
        if (values.get(index) instanceof String text) {
            return text;
        }
        throw unexpected(values, index, reply, "a string");
    }

    static int number(List<Object> values, int index, String reply) {
        String text = text(values, index, reply);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw unexpected(values, index, reply, "a number");
        }
    }

    /** The script's booleans: {@code "1"} or {@code "0"}. */
    static boolean flag(List<Object> values, int index, String reply) {
        String text = text(values, index, reply);
        if (text.equals("1") || text.equals("0")) {
            return text.equals("1");
        }
        throw unexpected(values, index, reply, "0 or 1");
    }

    /** One of {@code type}'s constants, which the script writes in lower case. */
    static <E extends Enum<E>> E word(List<Object> values, int index, String reply, Class<E> type) {
        String text = text(values, index, reply);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                return constant;
            }
        }
        throw unexpected(values, index, reply, "a " + type.getSimpleName());
    }

    private static ScriptReplyException unexpected(List<Object> values, int index, String reply, String expected) {
        return new ScriptReplyException(
                reply + " value " + index + ": " + values.get(index) + " (expected: " + expected + ")");
    }
}
