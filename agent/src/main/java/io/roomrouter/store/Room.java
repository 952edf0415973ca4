package io.roomrouter.store;

import java.util.Arrays;

/**
 * One room in memory. Mutable, and only touched under its {@link BackendRooms}'s lock. Kept small on purpose:
 * a million rooms must fit in a couple of hundred megabytes, so the players seen are kept as id hashes and only
 * while the room's reservation lasts.
 */
final class Room {
    /** Shared by every room that has seen no player id yet: an empty array per room would cost 16 bytes each. */
    private static final int[] NO_PLAYERS = new int[0];

    final String server;
    final int size;
    final long placedMillis;
    long lastJoinMillis;
    /** Players counted against the reservation, at most {@link #size}. */
    int arrived;
    /** Seats this room holds on its server for players who have not arrived yet. */
    int heldSeats;
    /** Hashes of the player ids seen during the reservation; null once it is over. */
    int[] players = NO_PLAYERS;

    boolean ended;

    Room(String server, int size, long placedMillis) {
        this.server = server;
        this.size = size;
        this.placedMillis = placedMillis;
        this.lastJoinMillis = placedMillis;
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
}
