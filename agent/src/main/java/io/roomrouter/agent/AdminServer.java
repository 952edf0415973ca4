package io.roomrouter.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.placement.Identifiers;
import io.roomrouter.store.RoomStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP endpoint for operators and game servers, off the SPOP path:
 * {@code GET /health} and {@code POST /release?backend=B&room=R}, which ends a room when its match is over and
 * gives its seats back.
 */
final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final HttpServer http;
    private final ExecutorService executor;

    private AdminServer(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    static AdminServer start(HostAndPort listen, RoomStore store, ServerInventory inventory, StickTable table)
            throws IOException {
        HttpServer http = HttpServer.create(listen.toSocketAddress(), 64);
        ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "room-router-admin");
            thread.setDaemon(true);
            return thread;
        });
        http.setExecutor(executor);
        http.createContext("/health", exchange -> {
            if (!exchange.getRequestMethod().equals("GET")) {
                respond(exchange, 405, "method " + exchange.getRequestMethod() + " (expected: GET)\n");
                return;
            }
            respond(exchange, 200, "ok store=" + store.kind() + " inventory=" + inventory.describe()
                    + " backends=" + inventory.backends().size() + "\n");
        });
        http.createContext("/release", exchange -> release(exchange, store, table));
        http.start();
        log.info("admin endpoint on http://{}/ (GET /health, POST /release?backend=B&room=R)", listen);
        return new AdminServer(http, executor);
    }

    private static void release(HttpExchange exchange, RoomStore store, StickTable table) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 405, "method " + exchange.getRequestMethod() + " (expected: POST)\n");
            return;
        }
        Map<String, String> query = query(exchange.getRequestURI());
        for (String name : new String[] {"backend", "room"}) {
            Optional<String> problem = Identifiers.problem(name, query.getOrDefault(name, ""));
            if (problem.isPresent()) {
                respond(exchange, 400, problem.get() + "\n");
                return;
            }
        }
        String backend = query.get("backend");
        String room = query.get("room");
        boolean released;
        try {
            released = store.release(backend, room).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("release room={} backend={} failed: {}", room, backend, e.toString());
            respond(exchange, 503, "release failed: " + e.getClass().getSimpleName() + "\n");
            return;
        }
        // The room ended: HAProxy's stick table must not send a new room of the same id to its old server while
        // the agent is away. In the background, best effort; the table may have it even when the agent did not.
        table.forget(backend, room);
        log.info("release room={} backend={} released={}", room, backend, released);
        respond(exchange, released ? 200 : 404, released ? "released\n" : "no such room\n");
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.putIfAbsent(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
