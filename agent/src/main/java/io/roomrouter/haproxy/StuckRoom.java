package io.roomrouter.haproxy;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A room as HAProxy's stick table has it: the server its players were last sent to, how long ago that was
 * ({@code idleMillis}: the table's expiry minus the entry's time left, since each join refreshes the entry) and,
 * when the table stores {@code conn_cur} (the reference configuration tracks each join in it), how many of its
 * players are connected through this HAProxy now: they are in the server's live connections already.
 */
public record StuckRoom(String room, String server, long idleMillis, OptionalInt connected) {

    public StuckRoom {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(connected, "connected");
        if (idleMillis < 0) {
            throw new IllegalArgumentException("idleMillis: " + idleMillis + " (expected: >= 0)");
        }
        if (connected.isPresent() && connected.getAsInt() < 0) {
            throw new IllegalArgumentException("connected: " + connected.getAsInt() + " (expected: >= 0)");
        }
    }
}
