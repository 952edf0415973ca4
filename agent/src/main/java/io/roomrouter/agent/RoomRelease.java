package io.roomrouter.agent;

import io.roomrouter.haproxy.StickTable;
import io.roomrouter.store.RoomStore;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a room for an operator or a game server ({@code DELETE /rooms/B/R} and its alias {@code POST /release}):
 * the store gives its seats back, and HAProxy's stick table forgets it, so that a new room of the same id is not sent
 * to the old server while the agent is away.
 */
final class RoomRelease {
    private static final Logger log = LoggerFactory.getLogger(RoomRelease.class);
    /** Longest a release waits for the store before it fails. */
    static final long TIMEOUT_MILLIS = 2000;

    private final RoomStore store;
    private final StickTable table;

    RoomRelease(RoomStore store, StickTable table) {
        this.store = store;
        this.table = table;
    }

    /** Completes with whether the room existed; fails when the store failed or did not answer in time. */
    CompletionStage<Boolean> release(String backend, String room) {
        // A copy, so that the time-out completes only this caller's future, never the store's own.
        return store.release(backend, room).toCompletableFuture().copy()
                .orTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((released, error) -> {
                    if (error != null) {
                        log.warn("release room={} backend={} failed: {}", room, backend, error.toString());
                        return;
                    }
                    // In the background, best effort.
                    table.forget(backend, room);
                    log.info("release room={} backend={} released={}", room, backend, released);
                });
    }

    /** The simple name of what made a stage fail, for an answer. */
    static String failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause.getClass().getSimpleName();
    }
}
