package io.roomrouter.agent;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Identifiers;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.store.BackendView;
import io.roomrouter.store.RoomPage;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.RoomView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The room API and the status page on the admin endpoint, in JSON:
 * <ul>
 *   <li>{@code GET /rooms/B/R}: one room (server, fallback, players seen, seats held, age, the agent's recent
 *       decisions for it); {@code DELETE /rooms/B/R} ends it;
 *   <li>{@code GET /rooms?backend=B[&limit=N][&after=C]}: a page of rooms, with the cursor of the next;
 *   <li>{@code GET /servers?backend=B}: per server, its state, capacity, live connections, seats held and rooms;
 *   <li>{@code GET /status.json}: all of it for every backend, with health and the last decisions;
 *       {@code GET /} the page that shows it.
 * </ul>
 * Errors are JSON too ({@code {"error": "..."}}): 400 for a bad id or parameter, 404 for an unknown backend or room,
 * 405 with {@code Allow}. Store queries are bounded by {@link RoomRelease#TIMEOUT_MILLIS} (503 past it); documents
 * are written on the admin event loop ({@code executor}), never on the thread a store answers on.
 */
final class AdminRoomApi {
    static final int DEFAULT_LIMIT = 100;
    static final String JSON = "application/json";
    private static final String HTML = "text/html; charset=utf-8";
    private static final Set<String> LIST_PARAMETERS = Set.of("backend", "limit", "after");
    private static final Set<String> SERVERS_PARAMETERS = Set.of("backend");
    private static final String PAGE = resource("status.html");

    private final RoomStore store;
    private final ServerInventory inventory;
    private final RoomRelease release;
    private final RecentDecisions recent;
    private final LongSupplier clock;
    private final Executor executor;

    AdminRoomApi(RoomStore store, ServerInventory inventory, RoomRelease release, RecentDecisions recent,
            LongSupplier clock, Executor executor) {
        this.store = store;
        this.inventory = inventory;
        this.release = release;
        this.recent = recent;
        this.clock = clock;
        this.executor = executor;
    }

    /** Whether {@code path} (decoded) is one of this API's. */
    static boolean serves(String path) {
        return path.equals("/") || path.equals("/status.json") || path.equals("/rooms") || path.equals("/servers")
                || path.startsWith("/rooms/");
    }

    CompletionStage<AdminRoutes.Response> handle(String method, String path, String rawQuery) {
        Map<String, String> query;
        try {
            query = FormDecoder.decode(rawQuery);
        } catch (FormDecoder.MalformedException e) {
            return done(error(400, e.getMessage()));
        }
        if (path.startsWith("/rooms/")) {
            String[] ids = path.substring("/rooms/".length()).split("/", -1);
            if (ids.length != 2) {
                return done(error(404, "no such path: " + FormDecoder.shorten(path)
                        + " (expected: /rooms/<backend>/<room>)"));
            }
            return switch (method) {
                case "GET" -> room(ids[0], ids[1]);
                case "DELETE" -> delete(ids[0], ids[1]);
                default -> done(notAllowed(method, "GET, DELETE"));
            };
        }
        if (!method.equals("GET")) {
            return done(notAllowed(method, "GET"));
        }
        return switch (path) {
            case "/" -> done(new AdminRoutes.Response(200, PAGE, null, HTML));
            case "/status.json" -> status();
            case "/rooms" -> list(query);
            default -> servers(query);
        };
    }

    private CompletionStage<AdminRoutes.Response> room(String backend, String room) {
        Optional<AdminRoutes.Response> refused = checkIds(backend, room);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        return ask(store.room(backend, room), found -> {
            if (found.isEmpty()) {
                return error(404, "no such room: " + room + " in backend " + backend);
            }
            long now = clock.getAsLong();
            JsonWriter json = new JsonWriter();
            roomFields(json.beginObject(), found.get(), now);
            json.name("decisions").beginArray();
            for (RecentDecisions.Recent decision : recent.newestFirst()) {
                if (decision.room().equals(room) && decision.backend().equals(backend)) {
                    decision(json, decision);
                }
            }
            return ok(json.endArray().endObject());
        });
    }

    private CompletionStage<AdminRoutes.Response> delete(String backend, String room) {
        Optional<AdminRoutes.Response> refused = checkIds(backend, room);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        return release.release(backend, room).handle((released, error) -> {
            if (error != null) {
                return error(503, "release failed: " + RoomRelease.failure(error));
            }
            if (!released) {
                return error(404, "no such room: " + room + " in backend " + backend);
            }
            return ok(new JsonWriter().beginObject().name("backend").value(backend).name("room").value(room)
                    .name("released").value(true).endObject());
        });
    }

    private CompletionStage<AdminRoutes.Response> list(Map<String, String> query) {
        Optional<AdminRoutes.Response> refused = checkParameters(query, LIST_PARAMETERS);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        String backend = query.get("backend");
        int limit = DEFAULT_LIMIT;
        String rawLimit = query.get("limit");
        if (rawLimit != null) {
            limit = rawLimit.matches("[0-9]{1,4}") ? Integer.parseInt(rawLimit) : -1;
            if (limit < 1 || limit > RoomStore.MAX_PAGE) {
                return done(error(400, "limit " + FormDecoder.shorten(rawLimit) + " (expected: 1 to "
                        + RoomStore.MAX_PAGE + ")"));
            }
        }
        Optional<String> after = Optional.ofNullable(query.get("after"));
        if (after.isPresent()) {
            Optional<String> problem = Identifiers.problem("after", after.get());
            if (problem.isPresent()) {
                return done(error(400, problem.get()));
            }
        }
        CompletionStage<RoomPage> page;
        try {
            page = store.rooms(backend, after, limit);
        } catch (IllegalArgumentException e) {
            return done(error(400, e.getMessage()));
        }
        return ask(page, found -> {
            long now = clock.getAsLong();
            JsonWriter json = new JsonWriter().beginObject().name("backend").value(backend).name("rooms").beginArray();
            for (RoomView room : found.rooms()) {
                roomFields(json.beginObject(), room, now).endObject();
            }
            return ok(json.endArray().name("next").value(found.next().orElse(null)).endObject());
        });
    }

    private CompletionStage<AdminRoutes.Response> servers(Map<String, String> query) {
        Optional<AdminRoutes.Response> refused = checkParameters(query, SERVERS_PARAMETERS);
        if (refused.isPresent()) {
            return done(refused.get());
        }
        BackendSnapshot snapshot = inventory.backend(query.get("backend")).orElseThrow();
        return ask(backendView(snapshot), view -> {
            JsonWriter json = new JsonWriter();
            backend(json, snapshot, view);
            return ok(json);
        });
    }

    private CompletionStage<AdminRoutes.Response> status() {
        List<BackendSnapshot> snapshots = new ArrayList<>(inventory.backends());
        snapshots.sort((a, b) -> a.backend().compareTo(b.backend()));
        List<CompletableFuture<BackendView>> views = new ArrayList<>();
        for (BackendSnapshot snapshot : snapshots) {
            views.add(backendView(snapshot).toCompletableFuture());
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(views.toArray(new CompletableFuture<?>[0]));
        return ask(all, done -> {
            JsonWriter json = new JsonWriter().beginObject().name("now").value(clock.getAsLong());
            Optional<String> storeProblem = store.unreachable();
            json.name("store").beginObject().name("kind").value(store.kind())
                    .name("ok").value(storeProblem.isEmpty()).name("problem").value(storeProblem.orElse(null))
                    .endObject();
            Optional<String> stale = inventory.stale();
            json.name("inventory").beginObject().name("source").value(inventory.describe())
                    .name("ok").value(stale.isEmpty()).name("problem").value(stale.orElse(null)).endObject();
            json.name("backends").beginArray();
            for (int i = 0; i < snapshots.size(); i++) {
                backend(json, snapshots.get(i), views.get(i).join());
            }
            json.endArray().name("decisionsMade").value(recent.count()).name("decisions").beginArray();
            for (RecentDecisions.Recent decision : recent.newestFirst()) {
                decision(json, decision);
            }
            return ok(json.endArray().endObject());
        });
    }

    private CompletionStage<BackendView> backendView(BackendSnapshot snapshot) {
        return store.backend(snapshot.backend(), snapshot.servers().stream().map(ServerStatus::name).toList());
    }

    private static void backend(JsonWriter json, BackendSnapshot snapshot, BackendView view) {
        json.beginObject().name("backend").value(snapshot.backend()).name("rooms").value(view.rooms())
                .name("snapshotAt").value(snapshot.takenAtMillis()).name("servers").beginArray();
        for (ServerStatus server : snapshot.servers()) {
            json.beginObject().name("name").value(server.name()).name("state").value(server.state().name())
                    .name("capacity").value(server.capacity())
                    .name("liveConnections").value(server.liveConnections())
                    .name("seatsHeld").value(view.seatsHeld().getOrDefault(server.name(), 0))
                    .name("rooms");
            if (view.roomsPerServer().isPresent()) {
                json.value(view.roomsPerServer().get().getOrDefault(server.name(), 0));
            } else {
                json.nullValue(); // not counted by this store
            }
            json.endObject();
        }
        json.endArray().endObject();
    }

    private static JsonWriter roomFields(JsonWriter json, RoomView room, long now) {
        json.name("backend").value(room.backend()).name("room").value(room.room())
                .name("server").value(room.server()).name("fallback").value(room.fallback().orElse(null))
                .name("size").value(room.size()).name("playersSeen").value(room.playersSeen())
                .name("seatsHeld").value(room.seatsHeld()).name("placedAt");
        if (room.placedAtMillis().isPresent()) {
            json.value(room.placedAtMillis().getAsLong()).name("ageMillis")
                    .value(Math.max(0, now - room.placedAtMillis().getAsLong()));
        } else {
            json.nullValue().name("ageMillis").nullValue();
        }
        return json.name("lastJoinAt").value(room.lastJoinAtMillis())
                .name("idleMillis").value(Math.max(0, now - room.lastJoinAtMillis()));
    }

    private static void decision(JsonWriter json, RecentDecisions.Recent decision) {
        Placement placement = decision.placement();
        json.beginObject().name("at").value(decision.atMillis()).name("backend").value(decision.backend())
                .name("room").value(decision.room()).name("decision").value(placement.decision().wireName())
                .name("server").value(placement.server().orElse(null))
                .name("fallback").value(placement.fallback().orElse(null))
                .name("reason").value(placement.reason()).name("load").value(placement.load())
                .name("capacity").value(placement.capacity()).name("micros").value(decision.micros()).endObject();
    }

    /** 400 for a bad id, 404 for a backend the inventory does not have. */
    private Optional<AdminRoutes.Response> checkIds(String backend, String room) {
        Optional<String> problem = Identifiers.problem("backend", backend)
                .or(() -> Identifiers.problem("room", room));
        if (problem.isPresent()) {
            return Optional.of(error(400, problem.get()));
        }
        return unknownBackend(backend);
    }

    private Optional<AdminRoutes.Response> checkParameters(Map<String, String> query, Set<String> allowed) {
        for (String name : query.keySet()) {
            if (!allowed.contains(name)) {
                return Optional.of(error(400, "unknown parameter " + FormDecoder.shorten(name) + " (expected: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")"));
            }
        }
        String backend = query.get("backend");
        if (backend == null) {
            return Optional.of(error(400, "parameter backend missing (expected: backend=<name>)"));
        }
        Optional<String> problem = Identifiers.problem("backend", backend);
        if (problem.isPresent()) {
            return Optional.of(error(400, problem.get()));
        }
        return unknownBackend(backend);
    }

    private Optional<AdminRoutes.Response> unknownBackend(String backend) {
        if (inventory.backend(backend).isEmpty()) {
            return Optional.of(error(404, "no such backend: " + backend));
        }
        return Optional.empty();
    }

    /** The store's answer, bounded in time, turned into a document on the admin event loop. */
    private <T> CompletionStage<AdminRoutes.Response> ask(CompletionStage<T> answer,
            Function<T, AdminRoutes.Response> document) {
        return answer.toCompletableFuture().copy()
                .orTimeout(RoomRelease.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .handleAsync((value, error) -> {
                    if (error == null) {
                        return document.apply(value);
                    }
                    if (unwrap(error) instanceof IllegalArgumentException bad) {
                        return error(400, bad.getMessage());
                    }
                    return error(503, store.kind() + " store did not answer: " + RoomRelease.failure(error));
                }, executor);
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private static AdminRoutes.Response ok(JsonWriter json) {
        return new AdminRoutes.Response(200, json + "\n", null, JSON);
    }

    static AdminRoutes.Response error(int status, String message) {
        return new AdminRoutes.Response(status, new JsonWriter().beginObject().name("error").value(message)
                .endObject() + "\n", null, JSON);
    }

    private static AdminRoutes.Response notAllowed(String method, String allow) {
        return new AdminRoutes.Response(405, new JsonWriter().beginObject().name("error")
                .value("method " + FormDecoder.shorten(method) + " (expected: " + allow + ")").endObject() + "\n",
                allow, JSON);
    }

    private static CompletionStage<AdminRoutes.Response> done(AdminRoutes.Response response) {
        return CompletableFuture.completedFuture(response);
    }

    private static String resource(String name) {
        try (InputStream in = AdminRoomApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
