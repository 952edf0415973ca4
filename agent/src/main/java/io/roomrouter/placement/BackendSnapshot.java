package io.roomrouter.placement;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The servers of one backend at one moment. {@code takenAtMillis} is when the inventory started reading them
 * (wall clock): a player who arrived well before that is already counted in {@code liveConnections}.
 */
public record BackendSnapshot(String backend, List<ServerStatus> servers, long takenAtMillis) {

    public BackendSnapshot {
        Objects.requireNonNull(backend, "backend");
        servers = List.copyOf(servers);
    }

    public Optional<ServerStatus> server(String name) {
        for (ServerStatus server : servers) {
            if (server.name().equals(name)) {
                return Optional.of(server);
            }
        }
        return Optional.empty();
    }
}
