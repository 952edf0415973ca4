package io.roomrouter.placement;

import java.util.List;
import java.util.Optional;

/**
 * Where a room goes. A new room ({@link #choose}): among UP servers where the whole room fits, the one with the
 * lowest load relative to its capacity; ties go to the server the room's rendezvous hash ranks highest, so equal
 * servers share new rooms evenly and every agent breaks a tie the same way. This is the one rule of both stores:
 * the memory store calls it, and the Redis store's script applies it to the loads Redis holds, walking the room's
 * servers in the rendezvous order this class's hash gives (the script cannot compute 64-bit hashes; the agent
 * sends the order with each join) and keeping the first of equally loaded ones. The words of each decision's
 * reason are {@link Reasons}.
 *
 * <p>A room whose server stopped keeping rooms (DOWN, MAINT, removed) goes to its successor instead: the UP
 * server the room's rendezvous hash ranks highest among those where it fits. HAProxy often sees a server fail
 * before the agent's next look at the runtime API; in that gap it routes the room's players to the
 * {@link #fallback} the agent named with its last answer, which is that same server unless loads changed in
 * between. Both choices agreeing is what keeps the room whole across the failure.
 */
public final class PlacementPolicy {
    private PlacementPolicy() {}

    public static Optional<ServerLoad> choose(String room, int size, List<ServerLoad> servers) {
        long seed = RendezvousHash.seed(room);
        ServerLoad best = null;
        long bestRank = 0;
        for (ServerLoad candidate : servers) {
            if (!candidate.fits(size)) {
                continue;
            }
            long rank = RendezvousHash.weight(seed, candidate.name());
            if (best == null || isBetter(candidate, rank, best, bestRank)) {
                best = candidate;
                bestRank = rank;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The successor of a room whose server no longer keeps rooms; empty when the room fits nowhere. */
    public static Optional<ServerLoad> chooseSuccessor(String room, int size, List<ServerLoad> servers) {
        return Optional.ofNullable(highestRanked(room, size, servers, null, true));
    }

    /**
     * Where HAProxy should send a player of {@code room} if it finds {@code server} down before the agent does:
     * the room's successor as it stands now, among the servers other than {@code server} (where the agent would
     * move the room if it saw the failure now). When the room fits nowhere else, the other UP server the room's
     * rendezvous hash ranks highest, so that the room's players at least stay together.
     */
    public static Optional<String> fallback(String room, String server, int size, List<ServerLoad> servers) {
        ServerLoad best = highestRanked(room, size, servers, server, false);
        return best == null ? Optional.empty() : Optional.of(best.name());
    }

    /**
     * The fallback with no loads to weigh: the UP server other than {@code server} that the room's rendezvous hash
     * ranks highest. The Redis store's script moves a room there when it keeps no other fallback for it, so an
     * agent that answers without Redis's word on the fallback names this one.
     */
    public static Optional<String> usualFallback(String room, String server, List<ServerStatus> servers) {
        long seed = RendezvousHash.seed(room);
        String best = null;
        long bestRank = 0;
        for (ServerStatus candidate : servers) {
            if (candidate.state() != ServerState.UP || candidate.name().equals(server)) {
                continue;
            }
            long rank = RendezvousHash.weight(seed, candidate.name());
            if (best == null || Long.compareUnsigned(rank, bestRank) > 0) {
                best = candidate.name();
                bestRank = rank;
            }
        }
        return Optional.ofNullable(best);
    }

    // The UP server other than `excluded` that the room's rendezvous hash ranks highest, preferring those where the
    // room fits (only those when `fitsOnly`); null when there is none.
    private static ServerLoad highestRanked(
            String room, int size, List<ServerLoad> servers, String excluded, boolean fitsOnly) {
        long seed = RendezvousHash.seed(room);
        ServerLoad best = null;
        long bestRank = 0;
        boolean bestFits = false;
        for (ServerLoad candidate : servers) {
            boolean fits = candidate.fits(size);
            if (candidate.status().state() != ServerState.UP || candidate.name().equals(excluded)
                    || (fitsOnly && !fits)) {
                continue;
            }
            long rank = RendezvousHash.weight(seed, candidate.name());
            if (best == null || (fits && !bestFits) || (fits == bestFits && Long.compareUnsigned(rank, bestRank) > 0)) {
                best = candidate;
                bestRank = rank;
                bestFits = fits;
            }
        }
        return best;
    }

    private static boolean isBetter(ServerLoad a, long aRank, ServerLoad b, long bRank) {
        // Compare a.load/a.capacity with b.load/b.capacity without dividing; both capacities are > 0 here,
        // because a server that fits a room has a capacity of at least the room's size.
        long left = (long) a.load() * b.capacity();
        long right = (long) b.load() * a.capacity();
        if (left != right) {
            return left < right;
        }
        return Long.compareUnsigned(aRank, bRank) > 0;
    }
}
