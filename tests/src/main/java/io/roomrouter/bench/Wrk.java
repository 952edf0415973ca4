package io.roomrouter.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code wrk} with a Lua script that spreads Socket.IO polling joins over a fixed set of rooms. */
final class Wrk {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P50 = Pattern.compile("\\s50%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");

    /** What wrk measured; latencies in milliseconds. */
    record Result(double requestsPerSecond, double p50Millis, double p99Millis, long requests, long non2xx) {}

    private Wrk() {}

    static Result run(int port, int rooms, int connections, Duration duration, Path workDir)
            throws IOException, InterruptedException {
        Path script = workDir.resolve("rooms.lua");
        Files.writeString(script, String.join("\n",
                "-- Socket.IO polling joins (they trigger the room-join SPOE message) over a fixed set of rooms,",
                "-- so that after the first join of each room every join is sticky.",
                "local n = 0",
                "request = function()",
                "  n = n + 1",
                "  return wrk.format('GET', '/socket.io/?EIO=4&transport=polling&room=r' .. (n % " + rooms
                        + ") .. '&player=p' .. n)",
                "end",
                ""), StandardCharsets.UTF_8);
        Process wrk = new ProcessBuilder(List.of("wrk", "-t1", "-c" + connections, "-d" + duration.toSeconds() + "s",
                "--latency", "-s", script.toString(), "http://127.0.0.1:" + port))
                .redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IOException("wrk failed:\n" + out);
        }
        Files.writeString(workDir.resolve("wrk-" + port + ".txt"), out, StandardCharsets.UTF_8);
        return new Result(number(RPS, out), millis(P50, out), millis(P99, out), (long) number(TOTAL, out),
                find(NON_2XX, out) == null ? 0 : Long.parseLong(find(NON_2XX, out)));
    }

    private static double number(Pattern pattern, String out) throws IOException {
        String value = find(pattern, out);
        if (value == null) {
            throw new IOException("wrk output: no " + pattern + " in:\n" + out);
        }
        return Double.parseDouble(value);
    }

    private static double millis(Pattern pattern, String out) throws IOException {
        Matcher m = pattern.matcher(out);
        if (!m.find()) {
            throw new IOException("wrk output: no " + pattern + " in:\n" + out);
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    private static String find(Pattern pattern, String out) {
        Matcher m = pattern.matcher(out);
        return m.find() ? m.group(1) : null;
    }
}
