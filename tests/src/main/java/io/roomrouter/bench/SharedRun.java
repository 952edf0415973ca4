package io.roomrouter.bench;

import io.roomrouter.e2e.RoomReport;
import io.roomrouter.e2e.TimedCrowd;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One run of one workload of the shared suite: rooms, rooms split over servers, every join's decision as HAProxy
 * applied it ({@code none}: the agent did not answer in time and HAProxy hashed the player), the slowest join as a
 * player saw it, and the pace.
 */
record SharedRun(String variant, int round, String workload, int rooms, int split, Map<String, Long> decisions,
        Duration slowest, int joins, double seconds) {

    static SharedRun of(String variant, int round, String workload, List<TimedCrowd.Timed> joined, double seconds) {
        RoomReport report = RoomReport.of(TimedCrowd.players(joined));
        Map<String, Long> decisions = joined.stream()
                .map(t -> t.player().decision().isEmpty() ? "none" : t.player().decision())
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        return new SharedRun(variant, round, workload, report.rooms().size(), report.splitRooms().size(),
                decisions, TimedCrowd.slowest(joined), joined.size(), seconds);
    }

    long decided(String decision) {
        return decisions.getOrDefault(decision, 0L);
    }

    static String header() {
        return String.format(Locale.ROOT, "%-28s %5s %-9s %6s %5s %7s %8s  %s",
                "agent JVM flags", "run", "workload", "rooms", "split", "joins/s", "slowest", "decisions");
    }

    String row() {
        return String.format(Locale.ROOT, "%-28s %5d %-9s %6d %5d %7.0f %6d ms  %s",
                variant, round, workload, rooms, split, joins / seconds, slowest.toMillis(), decisions);
    }
}
