package io.roomrouter.haproxy;

import io.roomrouter.placement.BackendSnapshot;
import java.util.Collection;
import java.util.Optional;

/** The servers the agent may place rooms on, by backend. Reads are cheap and never block. */
public interface ServerInventory extends AutoCloseable {

    /** The latest view of {@code backend}; empty when no such backend is known. */
    Optional<BackendSnapshot> backend(String backend);

    /** The latest view of every known backend. */
    Collection<BackendSnapshot> backends();

    /**
     * Why the view is not fresh (for readiness: {@code "runtime API last read 5000 ms ago"}), or empty when it is.
     * Cheap and never blocks; a static inventory is always fresh.
     */
    default Optional<String> stale() {
        return Optional.empty();
    }

    /** A short description for the start-up log, such as {@code runtime-api unix:/run/haproxy.sock}. */
    String describe();

    @Override
    void close();
}
