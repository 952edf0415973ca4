package io.roomrouter.placement;

import java.util.List;
import java.util.Optional;

/**
 * Highest-random-weight hashing: every agent that sees the same servers picks the same one for a room, and
 * removing a server moves only the rooms it had. The hash is FNV-1a 64 with a final mix, stable across JVMs
 * and releases (never {@link String#hashCode()}, whose quality is poor on short ids).
 */
public final class RendezvousHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private RendezvousHash() {}

    /** The server among {@code servers} that ranks highest for {@code room}; empty when there is none. */
    public static Optional<String> pick(String room, List<String> servers) {
        long seed = seed(room);
        String best = null;
        long bestWeight = 0;
        for (String server : servers) {
            long weight = weight(seed, server);
            if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
                best = server;
                bestWeight = weight;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The weight of {@code server} for {@code room}; compare weights as unsigned. */
    public static long weight(String room, String server) {
        return weight(seed(room), server);
    }

    /**
     * The part of every weight of {@code room} that depends on the room alone: hash it once, then weigh each
     * server with {@link #weight(long, String)}, when ranking a room's servers.
     */
    public static long seed(String room) {
        long h = mix(FNV_OFFSET, room);
        h ^= 0xff; // a separator no id contains, so ("ab","c") and ("a","bc") differ
        return h * FNV_PRIME;
    }

    /** The weight of {@code server} for the room whose {@link #seed} is {@code roomSeed}. */
    public static long weight(long roomSeed, String server) {
        return finish(mix(roomSeed, server));
    }

    // Hashes UTF-16 code units: for the ASCII ids that Identifiers admits this equals FNV over the bytes, and it
    // allocates nothing on the path of every first join.
    private static long mix(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                h ^= c >>> 8;
                h *= FNV_PRIME;
            }
            h ^= c & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    // The finalizer of SplitMix64: FNV alone leaves the high bits poorly mixed for short inputs.
    private static long finish(long h) {
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
