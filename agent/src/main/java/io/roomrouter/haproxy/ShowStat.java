package io.roomrouter.haproxy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads the CSV answer to {@code show stat}. The first line is the header ({@code # pxname,svname,qcur,...});
 * columns are found by name, since each HAProxy version adds some. Frontend rows are skipped; a backend row only
 * makes its backend known, so that a backend without servers is still listed.
 *
 * @see <a href="https://docs.haproxy.org/2.6/management.html#9.1">HAProxy management guide, CSV format</a>
 */
final class ShowStat {
    private static final String HEADER_PREFIX = "# ";
    private static final String FRONTEND = "FRONTEND";
    private static final String BACKEND = "BACKEND";

    /**
     * One server row: {@code slim} (its {@code maxconn}) is empty when the server has none; {@code id} is its
     * {@code sid}, the number a stick table's {@code server_id} names it by (empty when the answer has no such column).
     */
    record ServerRow(
            String backend, String server, String status, int liveConnections, OptionalInt maxconn, OptionalInt id) {

        ServerRow(String backend, String server, String status, int liveConnections, OptionalInt maxconn) {
            this(backend, server, status, liveConnections, maxconn, OptionalInt.empty());
        }
    }

    private ShowStat() {}

    /**
     * The servers of each backend in HAProxy's order; a backend without servers maps to an empty list.
     *
     * @throws IllegalArgumentException when {@code answer} is not a {@code show stat} CSV (HAProxy answers
     *     commands it refuses with text, such as {@code Permission denied})
     */
    static Map<String, List<ServerRow>> parse(String answer) {
        List<List<String>> records = Csv.records(answer);
        if (records.isEmpty() || !records.get(0).get(0).startsWith(HEADER_PREFIX)) {
            throw new IllegalArgumentException(
                    "show stat: answer starts with '" + firstLine(answer) + "' (expected: '# pxname,svname,...')");
        }
        List<String> header = new ArrayList<>(records.get(0));
        header.set(0, header.get(0).substring(HEADER_PREFIX.length()));
        int pxname = column(header, "pxname");
        int svname = column(header, "svname");
        int scur = column(header, "scur");
        int slim = column(header, "slim");
        int status = column(header, "status");
        int needed = Math.max(Math.max(pxname, svname), Math.max(scur, Math.max(slim, status))) + 1;
        int sid = header.indexOf("sid"); // every real answer has it; optional so that a short CSV still reads

        Map<String, List<ServerRow>> backends = new LinkedHashMap<>();
        for (int i = 1; i < records.size(); i++) {
            List<String> row = records.get(i);
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue; // the blank line that ends the answer
            }
            if (row.size() < needed) {
                throw new IllegalArgumentException("show stat: row " + i + " has " + row.size() + " fields (expected: >= "
                        + needed + ")");
            }
            String backend = row.get(pxname);
            String server = row.get(svname);
            if (server.equals(FRONTEND)) {
                continue;
            }
            List<ServerRow> servers = backends.computeIfAbsent(backend, b -> new ArrayList<>());
            if (server.equals(BACKEND)) {
                continue;
            }
            String where = backend + "/" + server;
            servers.add(new ServerRow(
                    backend,
                    server,
                    row.get(status),
                    count(where, "scur", row.get(scur)),
                    row.get(slim).isEmpty() ? OptionalInt.empty() : OptionalInt.of(count(where, "slim", row.get(slim))),
                    sid < 0 || sid >= row.size() || row.get(sid).isEmpty()
                            ? OptionalInt.empty() : OptionalInt.of(count(where, "sid", row.get(sid)))));
        }
        backends.replaceAll((backend, servers) -> Collections.unmodifiableList(servers));
        return Collections.unmodifiableMap(backends);
    }

    private static int column(List<String> header, String name) {
        int index = header.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("show stat: header " + header + " (expected: a column '" + name + "')");
        }
        return index;
    }

    private static int count(String where, String column, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the row it came from
        }
        throw new IllegalArgumentException(
                "show stat: " + column + " of " + where + ": '" + value + "' (expected: an integer >= 0)");
    }

    private static String firstLine(String answer) {
        int end = answer.indexOf('\n');
        String line = end < 0 ? answer : answer.substring(0, end);
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }

    /** Splits CSV the way HAProxy writes it: a field with a comma, quote or line break is quoted, quotes doubled. */
    static final class Csv {
        private Csv() {}

        static List<List<String>> records(String text) {
            List<List<String>> records = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            int length = text.length();
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                if (quoted) {
                    if (c != '"') {
                        field.append(c);
                    } else if (i + 1 < length && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else if (c == '\n') {
                    fields.add(field.toString());
                    field.setLength(0);
                    records.add(fields);
                    fields = new ArrayList<>();
                } else if (c != '\r') {
                    field.append(c);
                }
            }
            if (field.length() > 0 || !fields.isEmpty()) {
                fields.add(field.toString());
                records.add(fields);
            }
            return records;
        }
    }
}
