package io.roomrouter.store;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** One agent's HAProxy as a test sets it: one backend whose servers change when the test says. */
final class FakeInventory implements ServerInventory {
    private final String backend;
    private final Clock clock;
    private final AtomicReference<BackendSnapshot> snapshot = new AtomicReference<>();

    FakeInventory(String backend, Clock clock, ServerStatus... servers) {
        this.backend = backend;
        this.clock = clock;
        set(servers);
    }

    static ServerStatus up(String name, int capacity, int live) {
        return new ServerStatus(name, ServerState.UP, capacity, live);
    }

    /** The servers as HAProxy reports them now. */
    void set(ServerStatus... servers) {
        snapshot.set(new BackendSnapshot(backend, List.of(servers), clock.millis()));
    }

    BackendSnapshot snapshot() {
        return snapshot.get();
    }

    @Override
    public Optional<BackendSnapshot> backend(String name) {
        return name.equals(backend) ? Optional.of(snapshot.get()) : Optional.empty();
    }

    @Override
    public Collection<BackendSnapshot> backends() {
        return List.of(snapshot.get());
    }

    @Override
    public String describe() {
        return "fake " + backend;
    }

    @Override
    public void close() {}
}
