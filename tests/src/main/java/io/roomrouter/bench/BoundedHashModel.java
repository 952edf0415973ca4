package io.roomrouter.bench;

import io.roomrouter.placement.RendezvousHash;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HAProxy's {@code balance url_param room} with {@code hash-type consistent} and {@code hash-balance-factor}, as a
 * model: a room's players walk the servers in the room's hash order (rendezvous order here, which ranks servers
 * per key as a consistent-hash ring with many points per server does) and take the first one whose connections are
 * below its bounded-load share, HAProxy's {@code chash_server_is_eligible} with equal weights:
 * {@code ceil(ceil((total + 1) * factor / 100) / servers)}. The walk ignores {@code maxconn}: a player sent to a full
 * server waits in its queue, and is refused. Rooms split when their server is over its share.
 */
final class BoundedHashModel implements SimulatedPlacement {
    private final List<String> servers;
    private final int factor;
    private final Map<String, int[]> orders = new HashMap<>();

    BoundedHashModel(List<String> servers, int factor) {
        this.servers = List.copyOf(servers);
        this.factor = factor;
    }

    @Override
    public String label() {
        return "consistent hash, balance factor " + factor;
    }

    @Override
    public int join(RoomPlan room, RoomPlan.Seat seat, boolean first, long now, int[] connections) {
        int[] order = orders.computeIfAbsent(room.id(), this::order);
        long total = 0;
        for (int c : connections) {
            total += c;
        }
        long slots = Math.max(1, ceilDiv(ceilDiv((total + 1) * factor, 100), connections.length));
        for (int i : order) {
            if (connections[i] < slots) {
                return i;
            }
        }
        return order[0]; // cannot happen: the slots of all servers exceed the connections
    }

    @Override
    public void roomEnded(RoomPlan room, long now) {
        orders.remove(room.id());
    }

    private int[] order(String room) {
        long seed = RendezvousHash.seed(room);
        Integer[] order = new Integer[servers.size()];
        long[] weights = new long[servers.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            weights[i] = RendezvousHash.weight(seed, servers.get(i));
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(weights[b], weights[a]));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
