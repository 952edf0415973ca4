package io.roomrouter.agent;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomStore;

/**
 * Rooms and servers as the agent sees them, read at scrape time from the inventory's latest snapshot and the store,
 * never counted on the decision path. Each store read takes one backend's lock for a moment (the admin thread waits
 * for it, never an event loop for the scrape).
 *
 * <p>Rooms and held seats are the in-memory store's: with {@code --redis} they live in Redis, shared by every agent,
 * and {@link RedisMetrics} gives what this agent knows of them.
 */
final class RoomMetrics {
    private static final ServerState[] STATES = ServerState.values();

    private RoomMetrics() {}

    static void register(PrometheusRegistry registry, RoomStore store, ServerInventory inventory) {
        GaugeWithCallback.builder()
                .name("room_router_server_capacity")
                .help("A server's capacity in players: its maxconn in HAProxy, or --server-capacity.")
                .labelNames("backend", "server")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        for (ServerStatus server : backend.servers()) {
                            callback.call(server.capacity(), backend.backend(), server.name());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_server_live_connections")
                .help("A server's live connections as the inventory last read them from HAProxy.")
                .labelNames("backend", "server")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        for (ServerStatus server : backend.servers()) {
                            callback.call(server.liveConnections(), backend.backend(), server.name());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_server_state")
                .help("1 for a server's state as the agent sees it (UP, DRAIN, DOWN, MAINT), 0 for the others.")
                .labelNames("backend", "server", "state")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        for (ServerStatus server : backend.servers()) {
                            for (ServerState state : STATES) {
                                callback.call(server.state() == state ? 1 : 0, backend.backend(), server.name(),
                                        state.name());
                            }
                        }
                    }
                })
                .register(registry);
        if (!(store instanceof MemoryRoomStore memory)) {
            return;
        }
        GaugeWithCallback.builder()
                .name("room_router_server_seats_held")
                .help("Seats a server holds for players of its rooms who have not arrived yet; its load is its live"
                        + " connections plus these.")
                .labelNames("backend", "server")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        for (ServerStatus server : backend.servers()) {
                            callback.call(memory.heldSeats(backend.backend(), server.name()), backend.backend(),
                                    server.name());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_rooms")
                .help("Rooms live in a backend (placed and not yet ended by release or idleness).")
                .labelNames("backend")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        callback.call(memory.roomCount(backend.backend()), backend.backend());
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_rooms_reserving")
                .help("Rooms of a backend still in their reservation window: holding seats for players to come.")
                .labelNames("backend")
                .callback(callback -> {
                    for (BackendSnapshot backend : inventory.backends()) {
                        callback.call(memory.reservingRooms(backend.backend()), backend.backend());
                    }
                })
                .register(registry);
    }
}
