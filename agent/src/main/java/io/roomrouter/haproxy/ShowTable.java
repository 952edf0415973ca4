package io.roomrouter.haproxy;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Reads the answer to {@code show table <name>} and {@code show table <name> key <key>}, one line at a time (a
 * table of a million rooms is about 76 MB of text: it is parsed as it arrives, never held whole). The answer is a
 * header line, one line per entry, and a blank line:
 *
 * <pre>
 * # table: be_game, type: string, size:1048576, used:2
 * 0x7fda5404ca90: key=r1 use=0 exp=1796904 server_id=1 server_key=game1 conn_cur=3
 * 0x55a1eb427dd0: key=r4 use=0 exp=1797948 server_id=3 server_key=game3 conn_cur=0
 * </pre>
 *
 * {@code exp} is the milliseconds left before the entry expires; {@code server_id} is the server's {@code sid} in
 * {@code show stat} (0: none); {@code server_key} (2.5 and later) names the server, {@code -} when the entry was
 * written without one ({@code set table}); {@code conn_cur}, when the table stores it, the connections tracked
 * on the entry now; HAProxy 2.9 and later add fields such as {@code shard=0}. Fields are
 * found by name. A key that is not in the table answers a blank line only; an unknown table answers
 * {@code No such table}.
 *
 * @see <a href="https://docs.haproxy.org/2.6/management.html#9.3-show%20table">HAProxy management guide, show table</a>
 */
final class ShowTable {
    private static final String HEADER_PREFIX = "# table: ";
    private static final String KEY = " key=";
    private static final String USE = " use=";

    /**
     * One entry: the server is {@code serverKey} when HAProxy names it, else the {@code sid} {@code serverId};
     * {@code connected} is its {@code conn_cur}, empty when the table does not store it.
     */
    record Entry(String key, long expiresInMillis, OptionalInt serverId, Optional<String> serverKey,
            OptionalInt connected) {}

    /** What one line of the answer is. */
    enum LineKind {
        /** {@code # table: ...}. */
        HEADER,
        /** An entry: read it with {@link #entry}. */
        ENTRY,
        /** The blank line that ends the answer (the only line when a key is not in the table). */
        BLANK,
        /** Anything else: HAProxy refused the command ({@code No such table}, {@code Permission denied}). */
        ERROR
    }

    private ShowTable() {}

    static LineKind kind(String line) {
        if (line.isEmpty()) {
            return LineKind.BLANK;
        }
        if (line.startsWith(HEADER_PREFIX)) {
            return LineKind.HEADER;
        }
        // "0x55a1eb427dd0: key=..."
        int colon = line.indexOf(':');
        if (line.startsWith("0x") && colon > 2 && line.startsWith(KEY, colon + 1)) {
            return LineKind.ENTRY;
        }
        return LineKind.ERROR;
    }

    /**
     * The table's name in a header line, {@code be_game} in {@code # table: be_game, type: string, ...}; empty
     * when {@code line} is not a header.
     */
    static Optional<String> tableName(String line) {
        if (!line.startsWith(HEADER_PREFIX)) {
            return Optional.empty();
        }
        int comma = line.indexOf(',', HEADER_PREFIX.length());
        return Optional.of(line.substring(HEADER_PREFIX.length(), comma < 0 ? line.length() : comma));
    }

    /**
     * The entry on an {@link LineKind#ENTRY} line; empty when a field the agent needs is missing or malformed (a
     * table of another type or version: such entries are skipped, not fatal).
     */
    static Optional<Entry> entry(String line) {
        int keyStart = line.indexOf(KEY);
        if (keyStart < 0) {
            return Optional.empty();
        }
        keyStart += KEY.length();
        // A string key is printed as it is, and may hold spaces: it ends at the first " use=".
        int keyEnd = line.indexOf(USE, keyStart);
        if (keyEnd < 0) {
            return Optional.empty();
        }
        String key = line.substring(keyStart, keyEnd);
        OptionalLong exp = OptionalLong.empty();
        OptionalInt serverId = OptionalInt.empty();
        Optional<String> serverKey = Optional.empty();
        OptionalInt connected = OptionalInt.empty();
        int at = keyEnd + 1;
        while (at < line.length()) {
            int space = line.indexOf(' ', at);
            int end = space < 0 ? line.length() : space;
            int eq = line.indexOf('=', at);
            if (eq > at && eq < end) {
                String name = line.substring(at, eq);
                String value = line.substring(eq + 1, end);
                switch (name) {
                    case "exp" -> exp = number(value);
                    case "server_id" -> {
                        OptionalLong id = number(value);
                        if (id.isPresent() && id.getAsLong() > 0 && id.getAsLong() <= Integer.MAX_VALUE) {
                            serverId = OptionalInt.of((int) id.getAsLong());
                        }
                    }
                    // server_key in 2.5 and later; "-" when the entry was stored without a server name
                    case "server_key", "server_name" -> {
                        if (!value.isEmpty() && !value.equals("-")) {
                            serverKey = Optional.of(value);
                        }
                    }
                    case "conn_cur" -> {
                        OptionalLong count = number(value);
                        if (count.isPresent() && count.getAsLong() <= Integer.MAX_VALUE) {
                            connected = OptionalInt.of((int) count.getAsLong());
                        }
                    }
                    default -> {
                        // use, shard, and other counters a table may store: not needed
                    }
                }
            }
            at = end + 1;
        }
        if (exp.isEmpty() || (serverId.isEmpty() && serverKey.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new Entry(key, exp.getAsLong(), serverId, serverKey, connected));
    }

    private static OptionalLong number(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(value));
    }
}
