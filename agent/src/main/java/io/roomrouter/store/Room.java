package io.roomrouter.store;

import java.util.Arrays;

/**
 * One room in memory. Mutable, and only touched under its {@link BackendRooms}'s lock. Kept small on purpose (a
 * million rooms must fit in about 200 MB of heap): counts are shorts (a room holds at most 1000 players), times
 * are whole seconds rounded up (so a window or an idle timeout never ends early, at most a second late), and the
 * players seen are kept as id hashes, only while the room's reservation lasts.
 */
final class Room {
    /** Shared by every room that has seen no player id yet: an empty array per room would cost 16 bytes each. */
    private static final int[] NO_PLAYERS = new int[0];
    /** Times are seconds after 2025-01-01T00:00Z: an int then lasts until 2093. */
    private static final long BASE_SECOND = 1_735_689_600L;

    final String server;
    final short size;
    private final int placedSecond;
    private int lastJoinSecond;
    /** Players counted against the reservation, at most {@link #size}. */
    short arrived;
    /** Seats this room holds on its server for players who have not arrived yet. */
    short heldSeats;
    /** Hashes of the player ids seen during the reservation; null once it is over. */
    int[] players = NO_PLAYERS;
    /**
     * The fallback last named for this room: HAProxy may already have sent players there, so that is where the
     * room moves if its server fails. Null when none was named. (Fits in the object's alignment padding.)
     */
    String fallback;

    boolean ended;

    Room(String server, int size, long placedMillis) {
        this.server = server;
        this.size = (short) size;
        this.placedSecond = second(placedMillis);
        this.lastJoinSecond = placedSecond;
    }

    void joinedAt(long millis) {
        lastJoinSecond = second(millis);
    }

    /** The last join, in the seconds {@link #second} counts: orders rooms by it. */
    int lastJoinSecond() {
        return lastJoinSecond;
    }

    /** When the room was placed, rounded up to the second, in epoch ms: for operators. */
    long placedMillis() {
        return millis(placedSecond);
    }

    /** The room's last join, rounded up to the second, in epoch ms: for operators. */
    long lastJoinMillis() {
        return millis(lastJoinSecond);
    }

    boolean reservationOverAt(long millis, long windowMillis) {
        return millis(placedSecond) + windowMillis <= millis;
    }

    boolean idleAt(long millis, long idleMillis) {
        return millis(lastJoinSecond) + idleMillis <= millis;
    }

    /**
     * Records a player id; false when it was seen already, so a reconnect is not counted twice. Two ids with the
     * same hash count as one player, which only keeps a seat held a little longer: the safe side.
     */
    boolean addPlayer(String player) {
        int hash = player.hashCode();
        for (int seen : players) {
            if (seen == hash) {
                return false;
            }
        }
        players = Arrays.copyOf(players, players.length + 1);
        players[players.length - 1] = hash;
        return true;
    }

    private static int second(long millis) {
        return (int) (Math.floorDiv(millis + 999, 1000) - BASE_SECOND);
    }

    private static long millis(int second) {
        return (second + BASE_SECOND) * 1000;
    }
}
