package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;

/** Players joining through two proxies by turns, and what the tests of a Redis failover read from their joins. */
final class FailoverJoins {

    /** The longest a scheduled join, its retries included, may take before the test gives up on it. */
    private static final Duration JOIN_WITHIN = Duration.ofSeconds(60);

    private FailoverJoins() {
    }

    /** Players {@code p<from>..p<to>} of rooms {@code <prefix>1..N}, each through one proxy or the other. */
    static List<TimedCrowd.Route> routes(Stack stack, String prefix, int rooms, int from, int to) {
        List<TimedCrowd.Route> routes = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            for (int r = 1; r <= rooms; r++) {
                routes.add(route(stack, prefix, r, p));
            }
        }
        return routes;
    }

    /** Player {@code p<player>} of room {@code <prefix><room>}, through the first or second proxy by turns. */
    static TimedCrowd.Route route(Stack stack, String prefix, int room, int player) {
        return new TimedCrowd.Route(stack.proxy((room + player) % 2).frontend(), new Join(prefix + room, "p" + player));
    }

    /** The joins once each has ended, in order. */
    static List<RetriedJoin> await(List<CompletableFuture<RetriedJoin>> pending)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<RetriedJoin> joins = new ArrayList<>();
        for (CompletableFuture<RetriedJoin> join : pending) {
            joins.add(join.get(JOIN_WITHIN.toMillis(), TimeUnit.MILLISECONDS));
        }
        return joins;
    }

    static List<Player> players(List<RetriedJoin> joins) {
        return joins.stream().map(RetriedJoin::player).toList();
    }

    /** How many attempts got each outcome ({@code placed}, {@code sticky}, {@code retry}...). */
    static Map<String, Long> decisions(List<RetriedJoin> joins) {
        return joins.stream().flatMap(j -> j.attempts().stream()).collect(
                Collectors.groupingBy(a -> a.player().outcome(), TreeMap::new, Collectors.counting()));
    }

    /** The longest join, its retries included. */
    static Duration longest(List<RetriedJoin> joins) {
        return joins.stream().map(RetriedJoin::took).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    /**
     * What every failover test requires at its end, collected in {@code softly}: every join got in (retries
     * included), no room split, {@code rooms} rooms in all, and every room of {@code homes} still on its server.
     */
    static void assertEveryRoomWholeAndHome(SoftAssertions softly, List<RetriedJoin> joins, RoomReport everyRoom,
            int rooms, Map<String, String> homes) {
        softly.assertThat(joins).allSatisfy(j -> assertThat(j.player().joined()).as("%s via %s after %d attempts: %s",
                j.player(), j.route().via(), j.attempts().size(), j.player().reply()).isTrue());
        softly.assertThat(everyRoom.splitRooms()).as("rooms split").isEmpty();
        softly.assertThat(everyRoom.rooms()).hasSize(rooms);
        softly.assertThat(everyRoom.rooms()).filteredOn(r -> homes.containsKey(r.room())).allSatisfy(room ->
                assertThat(room.home()).as("home of %s", room.room()).isEqualTo(homes.get(room.room())));
    }
}
