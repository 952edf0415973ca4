package io.roomrouter.store;

/**
 * The Redis store's state as counted since it started, read at once for metrics: whether the command connection is
 * up, whether Redis answers now (connected and not silent), the joins answered without Redis (degraded answers), the
 * reconciliations completed after interruptions and what they did to the rooms they offered, the rooms this
 * agent knows as Redis confirmed them, the joins whose bound was extended because the agent's thread was held up
 * when it came due, and the touches dropped because Redis was behind the joins answered from the cache.
 */
public record RedisHealth(boolean connected, boolean answering, long degradedAnswers, long reconciliations,
        long roomsAdopted, long roomsKept, long roomsConflicting, int knownRooms, long extendedBounds,
        long droppedTouches) {}
