package io.roomrouter.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The placement script, called by its SHA. When Redis answers NOSCRIPT (it restarted, or a cluster node never
 * saw the script) the call is repeated once with EVAL, which also loads the script again.
 */
final class RedisScript {
    static final String RESOURCE = "room-router.lua";

    private final RedisClusterAsyncCommands<String, String> commands;
    private final String body;
    private final String sha;

    RedisScript(RedisClusterAsyncCommands<String, String> commands) {
        this.commands = commands;
        this.body = read();
        this.sha = commands.digest(body);
    }

    /** Loads the script into Redis (SCRIPT LOAD) so that later calls need only its SHA. */
    CompletableFuture<String> load() {
        return commands.scriptLoad(body).toCompletableFuture();
    }

    /** Runs one atomic step; the stage completes on a Lettuce I/O thread. */
    CompletableFuture<List<Object>> run(String[] keys, String... args) {
        CompletableFuture<List<Object>> first =
                commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
        return first.exceptionallyCompose(error -> {
            if (unwrap(error) instanceof RedisNoScriptException) {
                return commands.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
            }
            return CompletableFuture.failedFuture(error);
        });
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The failure's class and message, for a log line. */
    static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String read() {
        try (InputStream in = RedisScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("script resource: " + RESOURCE + " (expected: on the class path)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("script resource: " + RESOURCE, e);
        }
    }
}
