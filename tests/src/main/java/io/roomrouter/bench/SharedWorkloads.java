package io.roomrouter.bench;

import io.roomrouter.e2e.Join;
import io.roomrouter.e2e.TimedCrowd;
import io.roomrouter.kit.Stack;
import java.util.ArrayList;
import java.util.List;

/**
 * The joins of the shared suite, as {@code RedisTwoProxiesIT} makes them: player {@code p<n>} of room
 * {@code <prefix><r>} goes through one proxy or the other, alternating with {@code r + n}, so every room's players
 * reach both proxies and both agents race on its first joins.
 */
final class SharedWorkloads {
    private SharedWorkloads() {}

    /**
     * Rooms filling as lobbies do, {@code roomsAtOnce} rooms at a time: the first player of each of those rooms,
     * then the second of each... With {@code roomsAtOnce == rooms}, every room's first player comes before any
     * second player; with fewer, placements and joins of known rooms stay mixed evenly over the whole list.
     */
    static List<TimedCrowd.Route> lobbies(Stack stack, String prefix, int rooms, int players,
            int roomsAtOnce) {
        List<TimedCrowd.Route> routes = new ArrayList<>(rooms * players);
        for (int first = 1; first <= rooms; first += roomsAtOnce) {
            int last = Math.min(rooms, first + roomsAtOnce - 1);
            for (int p = 1; p <= players; p++) {
                for (int r = first; r <= last; r++) {
                    routes.add(route(stack, prefix, r, p));
                }
            }
        }
        return routes;
    }

    /** Batches of {@code roomsPerBatch} rooms whose {@code players} players are meant to arrive together. */
    static List<List<TimedCrowd.Route>> races(Stack stack, String prefix, int rooms, int players,
            int roomsPerBatch) {
        List<List<TimedCrowd.Route>> batches = new ArrayList<>();
        for (int first = 1; first <= rooms; first += roomsPerBatch) {
            List<TimedCrowd.Route> batch = new ArrayList<>(roomsPerBatch * players);
            for (int r = first; r < first + roomsPerBatch && r <= rooms; r++) {
                for (int p = 1; p <= players; p++) {
                    batch.add(route(stack, prefix, r, p));
                }
            }
            batches.add(batch);
        }
        return batches;
    }

    private static TimedCrowd.Route route(Stack stack, String prefix, int room, int player) {
        return new TimedCrowd.Route(stack.proxy((room + player) % 2).frontend(), new Join(prefix + room, "p" + player));
    }
}
