package io.roomrouter.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a backend's rooms ({@code GET /rooms?backend=B}). {@code next} is the cursor of the following page,
 * empty when the listing is over. A listing is not a snapshot: a room placed or ended while it runs may or may not
 * appear.
 */
public record RoomPage(List<RoomView> rooms, Optional<String> next) {

    public RoomPage {
        rooms = List.copyOf(rooms);
        Objects.requireNonNull(next, "next");
    }
}
