package io.roomrouter.haproxy;

import java.util.Objects;

/**
 * A room as HAProxy's stick table has it: the server its players were last sent to, and how long ago that was
 * ({@code idleMillis}: the table's expiry minus the entry's time left, since each join refreshes the entry).
 */
public record StuckRoom(String room, String server, long idleMillis) {

    public StuckRoom {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(server, "server");
        if (idleMillis < 0) {
            throw new IllegalArgumentException("idleMillis: " + idleMillis + " (expected: >= 0)");
        }
    }
}
