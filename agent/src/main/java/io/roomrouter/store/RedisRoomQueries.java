package io.roomrouter.store;

import io.lettuce.core.KeyValue;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What operators ask the Redis store ({@code GET /rooms}, {@code /servers}, the status page), read from the layout of
 * docs/redis-keys.md with plain commands, never the placement script: they change nothing. Asynchronous: each
 * answer completes on the Redis connection's event loop, when Redis has answered.
 *
 * <p>A room lives while its idle end ({@code P:{B}:rooms}) is in the future: one past it has ended even when no
 * sweep has deleted its value yet. A room's seats are held until its window ends ({@code until}).
 */
final class RedisRoomQueries {
    /** A page cursor: Redis's HSCAN cursor and, when a reply held more than the page, how many of it were given. */
    private static final Pattern CURSOR = Pattern.compile("(\\d{1,20})(?:\\.(\\d{1,4}))?");

    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisLayout layout;
    private final RoomLifetimes lifetimes;
    private final LongSupplier clock;

    RedisRoomQueries(RedisClusterAsyncCommands<String, String> commands, RedisLayout layout, RoomLifetimes lifetimes,
            LongSupplier clock) {
        this.commands = commands;
        this.layout = layout;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    CompletionStage<Optional<RoomView>> room(String backend, String room) {
        String base = layout.base(backend);
        CompletableFuture<String> value = commands.hget(base + "room", room).toCompletableFuture();
        CompletableFuture<Double> idleEnd = commands.zscore(base + "rooms", room).toCompletableFuture();
        return value.thenCombine(idleEnd, (v, end) -> view(backend, room, v, end, clock.getAsLong()));
    }

    /**
     * A page in HSCAN order of the backend's room hash. HSCAN gives about {@code limit} rooms a call, all of a small
     * hash at once: what does not fit the page is given by the next, from the same HSCAN cursor (a cursor
     * {@code "<scan>.<given>"}), as HSCAN answers a cursor alike while the hash does not grow or shrink much.
     */
    CompletionStage<RoomPage> rooms(String backend, Optional<String> after, int limit) {
        String scan = "0";
        int given = 0;
        if (after.isPresent()) {
            Matcher cursor = CURSOR.matcher(after.get());
            if (!cursor.matches()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("cursor " + after.get()
                        + " (expected: the next of a page before, digits with an optional .count)"));
            }
            scan = cursor.group(1);
            given = cursor.group(2) == null ? 0 : Integer.parseInt(cursor.group(2));
        }
        String base = layout.base(backend);
        String from = scan;
        int skip = given;
        return commands.hscan(base + "room", ScanCursor.of(scan), ScanArgs.Builder.limit(limit)).toCompletableFuture()
                .thenCompose(reply -> page(backend, base, from, skip, limit, reply));
    }

    private CompletionStage<RoomPage> page(String backend, String base, String from, int skip, int limit,
            MapScanCursor<String, String> reply) {
        List<Map.Entry<String, String>> entries = new ArrayList<>(reply.getMap().entrySet());
        int end = Math.min(entries.size(), skip + limit);
        Optional<String> next;
        if (end < entries.size()) {
            next = Optional.of(from + "." + end);
        } else {
            next = reply.isFinished() ? Optional.empty() : Optional.of(reply.getCursor());
        }
        List<Map.Entry<String, String>> chosen = skip >= end ? List.of() : entries.subList(skip, end);
        if (chosen.isEmpty()) {
            return CompletableFuture.completedFuture(new RoomPage(List.of(), next));
        }
        String[] rooms = chosen.stream().map(Map.Entry::getKey).toArray(String[]::new);
        return commands.zmscore(base + "rooms", rooms).toCompletableFuture().thenApply(idleEnds -> {
            long now = clock.getAsLong();
            List<RoomView> views = new ArrayList<>(chosen.size());
            for (int i = 0; i < chosen.size(); i++) {
                view(backend, rooms[i], chosen.get(i).getValue(), idleEnds.get(i), now).ifPresent(views::add);
            }
            return new RoomPage(views, next);
        });
    }

    /** The backend's room count (HLEN) and each server's held seats ({@code held:<server>} of the load hash). */
    CompletionStage<BackendView> backend(String backend, List<String> servers) {
        String base = layout.base(backend);
        CompletableFuture<Long> rooms = commands.hlen(base + "room").toCompletableFuture();
        if (servers.isEmpty()) {
            return rooms.thenApply(count -> new BackendView(backend, count, Map.of(), Optional.empty()));
        }
        String[] fields = servers.stream().map(server -> "held:" + server).toArray(String[]::new);
        CompletableFuture<List<KeyValue<String, String>>> held = commands.hmget(base + "load", fields)
                .toCompletableFuture();
        return rooms.thenCombine(held, (count, values) -> {
            Map<String, Integer> seats = new HashMap<>();
            for (int i = 0; i < servers.size(); i++) {
                seats.put(servers.get(i), Math.max(0, number(values.get(i).getValueOrElse("0"))));
            }
            return new BackendView(backend, count, seats, Optional.empty());
        });
    }

    /**
     * A room from its value {@code "<server>[/<fallback>] <epoch> <size> <arrivals> <held> <until>[ <player> ...]"}
     * and idle end; empty when it has none, has ended, or its value is not one the script writes (the script drops
     * such a value at the room's next join).
     */
    private Optional<RoomView> view(String backend, String room, String value, Double idleEnd, long now) {
        if (value == null || idleEnd == null || idleEnd <= now) {
            return Optional.empty();
        }
        String[] parts = value.split(" ", 7);
        if (parts.length < 6) {
            return Optional.empty();
        }
        int slash = parts[0].indexOf('/');
        String server = slash < 0 ? parts[0] : parts[0].substring(0, slash);
        Optional<String> fallback = slash < 0 ? Optional.empty() : Optional.of(parts[0].substring(slash + 1));
        int size = number(parts[2]);
        int arrivals = number(parts[3]);
        int held = number(parts[4]);
        long until = Math.max(0, longNumber(parts[5]));
        if (server.isEmpty() || size < 0 || arrivals < 0 || held < 0) {
            return Optional.empty();
        }
        // A join that places a room sets until to its time plus the window; a room adopted after an outage has 0. The
        // straggler hold may bring until forward (room-router.lua, count_arrival): such a room shows as placed that
        // much earlier, which Redis keeps nothing else to correct.
        OptionalLong placed = until > 0
                ? OptionalLong.of(until - lifetimes.reservationWindow().toMillis()) : OptionalLong.empty();
        long lastJoin = idleEnd.longValue() - lifetimes.idleTimeout().toMillis();
        return Optional.of(new RoomView(backend, room, server, fallback, size, arrivals, until > now ? held : 0,
                placed, lastJoin));
    }

    private static int number(String text) {
        long value = longNumber(text);
        return value > Integer.MAX_VALUE ? -1 : (int) value;
    }

    private static long longNumber(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
