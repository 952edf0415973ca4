package io.roomrouter.store;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One room as its store holds it now, for operators ({@code GET /rooms/...}).
 *
 * @param server the server the room lives on
 * @param fallback the fallback last named for the room (where it moves if its server fails), when one was named;
 *     the Redis store keeps it only when it is not the room's usual one (the first other UP server of the room's
 *     rendezvous order), and empty then means that one
 * @param size the players the room was placed for
 * @param playersSeen distinct players counted during the room's reservation window (at most {@code size}; players
 *     who join after the window are not counted)
 * @param seatsHeld seats the room still holds on its server for players who have not arrived
 * @param placedAtMillis when the room was placed (epoch ms, to the second); empty when the store no longer knows
 *     (the Redis store keeps it only while the reservation window lasts)
 * @param lastJoinAtMillis the room's last join (epoch ms, to the second): it ends an idle timeout after it
 */
public record RoomView(String backend, String room, String server, Optional<String> fallback, int size,
        int playersSeen, int seatsHeld, OptionalLong placedAtMillis, long lastJoinAtMillis) {

    public RoomView {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(placedAtMillis, "placedAtMillis");
    }
}
