package io.roomrouter.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Every script call of the store goes through here, so that the watch sees each request and its end and the
 * observer (the agent's metrics) hears how long it took.
 */
final class RedisCalls {
    private final RedisScript script;
    private final RedisWatch watch;
    private final RedisObserver observer;

    RedisCalls(RedisScript script, RedisWatch watch, RedisObserver observer) {
        this.script = script;
        this.watch = watch;
        this.observer = observer;
    }

    /** Runs one atomic step; the stage completes on a Lettuce I/O thread, or at once if it could not be sent. */
    CompletableFuture<List<Object>> run(String[] keys, List<String> args) {
        watch.sent();
        long sentNanos = watch.nanoTime();
        CompletableFuture<List<Object>> reply;
        try {
            reply = script.run(keys, args.toArray(new String[0]));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.whenComplete((values, error) -> {
            watch.completed(error);
            observer.ended(watch.nanoTime() - sentNanos, RedisWatch.replied(error));
        });
    }
}
