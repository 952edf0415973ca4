package io.roomrouter.store;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store counts for one backend ({@code GET /servers}, the status page): its rooms, the seats held per server
 * and, where the store counts them cheaply, the rooms per server.
 *
 * @param rooms the rooms of the backend
 * @param seatsHeld seats held per server for players who have not arrived yet; a server absent holds none
 * @param roomsPerServer rooms per server; empty when the store does not count them (Redis keeps no such count, and
 *     counting would walk every room)
 */
public record BackendView(String backend, long rooms, Map<String, Integer> seatsHeld,
        Optional<Map<String, Integer>> roomsPerServer) {

    public BackendView {
        Objects.requireNonNull(backend, "backend");
        seatsHeld = Map.copyOf(seatsHeld);
        roomsPerServer = roomsPerServer.map(Map::copyOf);
    }
}
