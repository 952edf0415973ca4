package io.roomrouter.store;

/**
 * Hears every script call the Redis store makes (join batches, releases, publications, reconciliation steps) as it
 * ends, so that the agent can measure Redis from outside this package. Called on the thread that completes the call
 * (the Redis event loop): implementations must be cheap and never block.
 */
@FunctionalInterface
public interface RedisObserver {
    /** Hears nothing. */
    RedisObserver NONE = (nanos, replied) -> {};

    /**
     * A call ended {@code nanos} after it was sent; {@code replied} is true when Redis answered it (an error reply
     * included), false when no reply came (a time-out, a lost connection, a command refused while disconnected).
     */
    void ended(long nanos, boolean replied);
}
