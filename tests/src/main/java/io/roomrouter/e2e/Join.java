package io.roomrouter.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One player joining one room. */
public record Join(String room, String player) {

    public Join {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(player, "player");
    }

    /**
     * {@code rooms} rooms of {@code playersPerRoom} players, interleaved the way real lobbies fill: the first
     * player of every room, then the second of every room, and so on. Rooms are {@code prefix1..prefixN}.
     */
    public static List<Join> interleaved(String prefix, int rooms, int playersPerRoom) {
        return interleaved(prefix, rooms, 1, playersPerRoom);
    }

    /** As {@link #interleaved(String, int, int)}, for players {@code p<fromPlayer>..p<toPlayer>} of each room. */
    public static List<Join> interleaved(String prefix, int rooms, int fromPlayer, int toPlayer) {
        List<Join> joins = new ArrayList<>(rooms * (toPlayer - fromPlayer + 1));
        for (int p = fromPlayer; p <= toPlayer; p++) {
            for (int r = 1; r <= rooms; r++) {
                joins.add(new Join(prefix + r, "p" + p));
            }
        }
        return joins;
    }

    /** The players of one room, one after the other: {@code p<from>..p<to>}. */
    public static List<Join> room(String room, int from, int to) {
        List<Join> joins = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            joins.add(new Join(room, "p" + p));
        }
        return joins;
    }
}
