package io.roomrouter.bench;

import java.util.SplittableRandom;

/**
 * The rooms a load generator joins, one per NOTIFY. Called only from the generator's single event loop, so it
 * needs no synchronisation. {@link #known} picks among rooms already placed, {@link #sequential} names a new room each
 * time, {@link #mix} does both.
 */
interface RoomSource {

    String next();

    /** A known room, the prefix and a number below {@code count}, picked uniformly: sticky joins once preloaded. */
    static RoomSource known(String prefix, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return () -> prefix + random.nextInt(count);
    }

    /** The prefix and 0, 1, 2, ... in order: with a new prefix, every join is a first join. */
    static RoomSource sequential(String prefix) {
        long[] next = {0};
        return () -> prefix + next[0]++;
    }

    /** A first join with probability {@code freshShare}, otherwise a known room. */
    static RoomSource mix(RoomSource known, RoomSource fresh, double freshShare, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return () -> random.nextDouble() < freshShare ? fresh.next() : known.next();
    }
}
