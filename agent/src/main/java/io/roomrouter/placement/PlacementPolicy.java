package io.roomrouter.placement;

import java.util.List;
import java.util.Optional;

/**
 * Where a new room goes: among UP servers where the whole room fits, the one with the lowest load relative to
 * its capacity. Ties go to the server the room's rendezvous hash ranks highest, so equal servers share new rooms
 * evenly and every agent breaks a tie the same way.
 */
public final class PlacementPolicy {
    private PlacementPolicy() {}

    public static Optional<ServerLoad> choose(String room, int size, List<ServerLoad> servers) {
        ServerLoad best = null;
        long bestRank = 0;
        for (ServerLoad candidate : servers) {
            if (!candidate.fits(size)) {
                continue;
            }
            long rank = RendezvousHash.weight(room, candidate.name());
            if (best == null || isBetter(candidate, rank, best, bestRank)) {
                best = candidate;
                bestRank = rank;
            }
        }
        return Optional.ofNullable(best);
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
