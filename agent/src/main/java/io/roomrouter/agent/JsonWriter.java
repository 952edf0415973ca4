package io.roomrouter.agent;

/**
 * Writes JSON into a string, for the admin endpoint's few small documents: the agent needs no JSON library for
 * them. The caller nests calls properly; commas are placed here. Strings are escaped per RFC 8259, and {@code <},
 * {@code >}, {@code &} and U+2028/U+2029 as well, so that the text is safe inside an HTML page's script too.
 */
final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder(256);
    /** Whether the next value or name follows another in the same object or array. */
    private boolean comma;

    JsonWriter beginObject() {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    JsonWriter endObject() {
        out.append('}');
        comma = true;
        return this;
    }

    JsonWriter beginArray() {
        separate();
        out.append('[');
        comma = false;
        return this;
    }

    JsonWriter endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    /** A member's name; its value comes next. */
    JsonWriter name(String name) {
        separate();
        string(name);
        out.append(':');
        comma = false;
        return this;
    }

    /** A string, or {@code null} when {@code value} is null. */
    JsonWriter value(String value) {
        separate();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        comma = true;
        return this;
    }

    JsonWriter value(long value) {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    JsonWriter value(boolean value) {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    JsonWriter nullValue() {
        separate();
        out.append("null");
        comma = true;
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void separate() {
        if (comma) {
            out.append(',');
        }
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
