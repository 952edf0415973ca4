package io.roomrouter.agent;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.placement.Identifiers;
import io.roomrouter.store.RoomStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin endpoint answers to one whole request. Paths match exactly; a request that changes state passes
 * {@link AdminAccess} before anything else is looked at. Never blocks: a release completes when the store does.
 */
final class AdminRoutes {
    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
    private static final Set<String> RELEASE_PARAMETERS = Set.of("backend", "room");

    /** One request, as read: {@code authorization} and {@code contentType} null when absent. */
    record Request(String method, String uri, String authorization, String contentType, String body) {}

    /** An answer, plain text unless {@code contentType} says otherwise; {@code allow} non-null for 405. */
    record Response(int status, String body, String allow, String contentType) {
        static final String TEXT = "text/plain; charset=utf-8";

        /** A plain-text answer. */
        Response(int status, String body, String allow) {
            this(status, body, allow, TEXT);
        }

        static Response of(int status, String body) {
            return new Response(status, body.endsWith("\n") ? body : body + "\n", null);
        }
    }

    private final AdminAccess access;
    private final RoomStore store;
    private final ServerInventory inventory;
    private final RoomRelease release;
    private final AdminRoomApi rooms;
    private final AgentMetrics metrics;
    private final LogThrottle refusals = new LogThrottle();

    AdminRoutes(AdminAccess access, RoomStore store, ServerInventory inventory, StickTable table, AdminRoomApi rooms,
            AgentMetrics metrics) {
        this.metrics = metrics;
        this.access = access;
        this.store = store;
        this.inventory = inventory;
        this.release = new RoomRelease(store, table);
        this.rooms = rooms;
    }

    CompletionStage<Response> handle(Request request) {
        Optional<AdminAccess.Refusal> refusal = access.check(request.method(), request.authorization());
        if (refusal.isPresent()) {
            // Throttled: a client guessing tokens must not flood the log.
            long heldBack = refusals.pass();
            if (heldBack >= 0) {
                log.warn("admin {} {} refused: {} ({} more since the last such line)",
                        FormDecoder.shorten(request.method()), FormDecoder.shorten(request.uri()),
                        refusal.get().reason(), heldBack);
            }
            return done(Response.of(refusal.get().status(), refusal.get().reason()));
        }
        String uri = request.uri();
        int question = uri.indexOf('?');
        String rawPath = question < 0 ? uri : uri.substring(0, question);
        String rawQuery = question < 0 ? null : uri.substring(question + 1);
        String path;
        try {
            path = FormDecoder.path(rawPath);
        } catch (FormDecoder.MalformedException e) {
            return done(Response.of(400, "path: " + e.getMessage()));
        }
        if (AdminRoomApi.serves(path)) {
            return rooms.handle(request.method(), path, rawQuery);
        }
        return switch (path) {
            case "/health", "/health/ready" -> get(request, () -> ready());
            case "/health/live" -> get(request, () -> Response.of(200, "alive"));
            case "/metrics" -> get(request, this::metrics);
            case "/release" -> request.method().equals("POST")
                    ? release(rawQuery, request)
                    : done(new Response(405, "method " + FormDecoder.shorten(request.method())
                            + " (expected: POST)\n", "POST"));
            default -> done(Response.of(404, "no such path: " + FormDecoder.shorten(path)
                    + " (expected: /, /health, /health/live, /health/ready, /metrics, /release, /rooms, /servers or"
                    + " /status.json)"));
        };
    }

    private static CompletionStage<Response> get(Request request, Supplier<Response> answer) {
        if (!request.method().equals("GET")) {
            return done(new Response(405, "method " + FormDecoder.shorten(request.method()) + " (expected: GET)\n",
                    "GET"));
        }
        return done(answer.get());
    }

    /** Ready when the store can be asked and the inventory is fresh; the reasons otherwise, with 503. */
    private Response ready() {
        List<String> problems = new ArrayList<>();
        store.unreachable().ifPresent(problems::add);
        inventory.stale().ifPresent(problems::add);
        String state = "store=" + store.kind() + " inventory=" + inventory.describe()
                + " backends=" + inventory.backends().size();
        if (problems.isEmpty()) {
            return Response.of(200, "ok " + state);
        }
        return Response.of(503, "not ready: " + String.join("; ", problems) + " " + state);
    }

    /** Every metric, in Prometheus's text format (see {@link AgentMetrics}). */
    private Response metrics() {
        return new Response(200, metrics.scrape(), null, AgentMetrics.CONTENT_TYPE);
    }

    private CompletionStage<Response> release(String rawQuery, Request request) {
        Map<String, String> query;
        Map<String, String> form;
        try {
            query = FormDecoder.decode(rawQuery);
            form = body(request);
        } catch (FormDecoder.MalformedException e) {
            return done(Response.of(400, e.getMessage()));
        }
        for (Map.Entry<String, String> entry : form.entrySet()) {
            if (query.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                return done(Response.of(400, "parameter " + FormDecoder.shorten(entry.getKey())
                        + " given in both query and body (expected: once)"));
            }
        }
        for (String name : query.keySet()) {
            if (!RELEASE_PARAMETERS.contains(name)) {
                return done(Response.of(400, "unknown parameter " + FormDecoder.shorten(name)
                        + " (expected: backend and room)"));
            }
        }
        for (String name : new String[] {"backend", "room"}) {
            Optional<String> problem = Identifiers.problem(name, query.getOrDefault(name, ""));
            if (problem.isPresent()) {
                return done(Response.of(400, problem.get()));
            }
        }
        return release.release(query.get("backend"), query.get("room")).handle((released, error) -> {
            if (error != null) {
                return Response.of(503, "release failed: " + RoomRelease.failure(error));
            }
            return released ? Response.of(200, "released") : Response.of(404, "no such room");
        });
    }

    private static Map<String, String> body(Request request) throws FormDecoder.MalformedException {
        if (request.body().isEmpty()) {
            return Map.of();
        }
        String type = request.contentType();
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new FormDecoder.MalformedException("body of type " + FormDecoder.shorten(type)
                    + " (expected: application/x-www-form-urlencoded, or the parameters in the query)");
        }
        return FormDecoder.decode(request.body().strip());
    }

    private static CompletionStage<Response> done(Response response) {
        return CompletableFuture.completedFuture(response);
    }
}
