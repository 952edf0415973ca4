package io.roomrouter.agent;

/**
 * A string HAProxy (or whatever connected to the SPOP port) sent, made fit for a log line: a peer must not be able
 * to forge log lines with a newline, hide text with terminal escapes, or fill the log with one huge value.
 */
final class PeerText {
    /** Characters of a peer's string kept in a log line; the rest is counted, not shown. */
    static final int MAX_CHARS = 64;

    private PeerText() {}

    /**
     * {@code text} with a backslash as {@code \\}, every other character outside printable ASCII as {@code \xNN}
     * (or {@code \}{@code uNNNN} above 0xff), and cut after {@link #MAX_CHARS} characters with how long it was.
     */
    static String escape(String text) {
        int shown = Math.min(text.length(), MAX_CHARS);
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else if (c <= 0xff) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (shown < text.length()) {
            out.append("...(").append(text.length()).append(" chars)");
        }
        return out.toString();
    }
}
