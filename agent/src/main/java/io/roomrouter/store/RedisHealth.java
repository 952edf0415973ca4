package io.roomrouter.store;

/**
 * The Redis store's state as counted since it started, read at once for metrics: whether the command connection is
 * up, whether Redis answers now (connected and not silent), the joins answered without Redis (degraded answers), the
 * reconciliations completed after interruptions and what they did to the rooms they offered, and the rooms this
 * agent knows as Redis confirmed them.
 */
public record RedisHealth(boolean connected, boolean answering, long degradedAnswers, long reconciliations,
        long roomsAdopted, long roomsKept, long roomsConflicting, int knownRooms) {}
