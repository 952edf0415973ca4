package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.ServerStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis key layout of docs/redis-keys.md and the arguments of the placement script. Every key of one
 * backend carries the hash tag {@code {backend}}, so each atomic step touches one Redis Cluster slot.
 */
final class RedisLayout {
    /** The keys of every step, in the order the script reads them. */
    private static final String[] KEYS = {"rooms", "room", "holds", "seats", "load", "live", "epoch"};
    /**
     * A join's claim when HAProxy's stick table has the room and the agent does not know where: the script answers
     * {@link #UNKNOWN_ROOM} instead of placing a room it does not have (no server name holds a {@code ?}).
     */
    static final String ASK_IF_UNKNOWN = "?";
    /** The script's first reply value to a join claimed {@link #ASK_IF_UNKNOWN} of a room it does not have. */
    static final String UNKNOWN_ROOM = "unknown";

    private final String prefix;
    private final String channel;

    RedisLayout(String prefix) {
        this.prefix = prefix;
        this.channel = prefix + ":events";
    }

    /** The pub/sub channel on which room ends and moves are announced. */
    String channel() {
        return channel;
    }

    /** {@code P:{backend}:} */
    String base(String backend) {
        return prefix + ":{" + backend + "}:";
    }

    /** The keys of every step on one backend: per-room state lives in the backend's hashes, not in keys of its own. */
    String[] keys(String backend) {
        String base = base(backend);
        String[] keys = new String[KEYS.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = base + KEYS[i];
        }
        return keys;
    }

    /**
     * What the script keeps of a player id to count each player's arrival once: its {@link String#hashCode()} in
     * hex, as {@link MemoryRoomStore} keeps it; empty without an id.
     */
    static String playerHash(String player) {
        return player.isEmpty() ? "" : Integer.toHexString(player.hashCode());
    }

    /** The first four arguments of every operation. */
    List<String> head(String op, String backend, long nowMillis) {
        List<String> args = new ArrayList<>();
        args.add(op);
        args.add(backend);
        args.add(channel);
        args.add(Long.toString(nowMillis));
        return args;
    }

    /**
     * The arguments of a batch step before its entries: the lifetimes, then the servers of the joins' snapshot as
     * (name, state, capacity) triples, which each join's entry names by their 1-based positions.
     */
    List<String> batchHead(String backend, long nowMillis, RoomLifetimes lifetimes, List<ServerStatus> servers,
            int maxRooms) {
        List<String> args = head("batch", backend, nowMillis);
        args.add(Long.toString(lifetimes.reservationWindow().toMillis()));
        args.add(Long.toString(lifetimes.stragglerHold().toMillis()));
        args.add(Long.toString(lifetimes.idleTimeout().toMillis()));
        args.add(Integer.toString(servers.size()));
        for (ServerStatus server : servers) {
            args.add(server.name());
            args.add(server.state().name());
            args.add(Integer.toString(server.capacity()));
        }
        args.add(Integer.toString(maxRooms));
        return args;
    }

    /** One agent's heartbeat value: {@code "<now> <server>:<STATE>:<connections> ..."}. */
    static String liveEntry(BackendSnapshot snapshot, long nowMillis) {
        StringBuilder entry = new StringBuilder(16 + 24 * snapshot.servers().size());
        entry.append(nowMillis);
        for (ServerStatus server : snapshot.servers()) {
            entry.append(' ')
                    .append(server.name())
                    .append(':')
                    .append(server.state().name())
                    .append(':')
                    .append(server.liveConnections());
        }
        return entry.toString();
    }

    /**
     * The room's rendezvous order (highest weight first) as 1-based positions in {@code servers}, e.g.
     * {@code "2 3 1"}: the script, which cannot compute 64-bit hashes, walks a new room's servers in this order and
     * keeps the first of the least loaded, which is {@link io.roomrouter.placement.PlacementPolicy#choose}'s
     * tie-break, and names a room's fallback as the first other UP server of it where the room fits, as
     * {@link io.roomrouter.placement.PlacementPolicy#fallback} does.
     */
    static String rendezvousPositions(String room, List<ServerStatus> servers) {
        // Each weight once, not once per comparison: this runs for every join that goes to Redis.
        List<Weighted> weighted = new ArrayList<>(servers.size());
        long seed = RendezvousHash.seed(room);
        for (int i = 0; i < servers.size(); i++) {
            weighted.add(new Weighted(i + 1, RendezvousHash.weight(seed, servers.get(i).name())));
        }
        weighted.sort((a, b) -> Long.compareUnsigned(b.weight(), a.weight()));
        StringBuilder positions = new StringBuilder(3 * weighted.size());
        for (Weighted w : weighted) {
            if (positions.length() > 0) {
                positions.append(' ');
            }
            positions.append(w.position());
        }
        return positions.toString();
    }

    private record Weighted(int position, long weight) {}
}
