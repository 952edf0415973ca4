package io.roomrouter.e2e;

import io.roomrouter.kit.Player;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Players joining through several HAProxy frontends, from a pool of {@code concurrency} threads, each join timed as
 * the player sees it: from connecting to HAProxy until the game server's welcome (or HAProxy's refusal). Players
 * told to retry can try again ({@link #joinLater}); their pauses hold no thread.
 */
public final class TimedCrowd implements AutoCloseable {

    /** A join and the HAProxy frontend it goes through. */
    public record Route(InetSocketAddress via, Join join) {

        public Route {
            Objects.requireNonNull(via, "via");
            Objects.requireNonNull(join, "join");
        }
    }

    /** A player that joined through {@code via}, and how long the join took. */
    public record Timed(Player player, InetSocketAddress via, Duration took) {}

    private final int concurrency;
    private final ScheduledExecutorService pool;
    private final List<Player> present = new ArrayList<>();

    public TimedCrowd(int concurrency) {
        this.concurrency = concurrency;
        this.pool = Executors.newScheduledThreadPool(concurrency, r -> {
            Thread thread = new Thread(r, "timed-player");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Joins everyone, {@code concurrency} at a time in list order; returns the players in the same order. */
    public List<Timed> join(List<Route> routes, Crowd.Presence presence) throws InterruptedException {
        List<Callable<Timed>> tasks =
                routes.stream().map(route -> (Callable<Timed>) () -> timed(route, presence)).toList();
        return collect(routes, tasks.stream().map(pool::submit).toList(), presence);
    }

    /**
     * Joins everyone at the same moment: every player waits, connected to nothing yet, until all are ready, then
     * all connect at once. At most {@code concurrency} players.
     */
    public List<Timed> joinTogether(List<Route> routes, Crowd.Presence presence) throws InterruptedException {
        return collect(routes, together(routes, (route, done) -> {
            try {
                done.complete(timed(route, presence));
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }), presence);
    }

    /**
     * Runs {@code join} for every route on the pool at the same moment: each waits, connected to nothing yet, until
     * all are ready. {@code join} completes the route's future, in the order of {@code routes}.
     */
    private <T> List<CompletableFuture<T>> together(List<Route> routes,
            BiConsumer<Route, CompletableFuture<T>> join) throws InterruptedException {
        if (routes.size() > concurrency) {
            throw new IllegalArgumentException("players arriving together: " + routes.size() + " (expected: <= "
                    + concurrency + ", the crowd's threads)");
        }
        CountDownLatch ready = new CountDownLatch(routes.size());
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<T>> pending = new ArrayList<>(routes.size());
        for (Route route : routes) {
            CompletableFuture<T> done = new CompletableFuture<>();
            pending.add(done);
            pool.execute(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    done.completeExceptionally(e);
                    return;
                }
                join.accept(route, done);
            });
        }
        ready.await();
        go.countDown();
        return pending;
    }

    // A leaving player closes as soon as it is welcomed, so a large crowd never holds more connections than threads.
    private static Timed timed(Route route, Crowd.Presence presence) throws Exception {
        long start = System.nanoTime();
        Player player = Player.join(route.via(), route.join().room(), route.join().player());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (presence == Crowd.Presence.LEAVE) {
            player.close();
        }
        return new Timed(player, route.via(), took);
    }

    /**
     * Joins everyone, {@code concurrency} at a time in list order, each player trying again as {@code policy} says
     * while it is told to retry; returns the joins in the same order.
     */
    public List<RetriedJoin> joinRetrying(List<Route> routes, Crowd.Presence presence, RetryPolicy policy)
            throws InterruptedException {
        return awaitAll(routes.stream().map(route -> joinLater(route, Duration.ZERO, presence, policy)).toList());
    }

    private static List<RetriedJoin> awaitAll(List<CompletableFuture<RetriedJoin>> pending)
            throws InterruptedException {
        List<RetriedJoin> joins = new ArrayList<>(pending.size());
        for (CompletableFuture<RetriedJoin> join : pending) {
            try {
                joins.add(join.get());
            } catch (ExecutionException e) {
                pending.forEach(f -> f.cancel(true));
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
        }
        return joins;
    }

    /**
     * Joins everyone at the same moment, as {@link #joinTogether}, each player trying again as {@code policy} says
     * while it is told to retry, as the reference configuration tells real clients to ({@code Retry-After}); returns
     * the joins in the same order. At most {@code concurrency} players.
     */
    public List<RetriedJoin> joinTogetherRetrying(List<Route> routes, Crowd.Presence presence, RetryPolicy policy)
            throws InterruptedException {
        return awaitAll(together(routes, (route, done) -> attempt(route, new ArrayList<>(), presence, policy, done)));
    }

    /**
     * Joins {@code route} once {@code delay} has passed, then again as {@code policy} says while the player is told
     * to retry. Completes with every attempt, or exceptionally with the first attempt that failed (connection
     * refused or reset, a malformed answer) and the route in the message.
     */
    public CompletableFuture<RetriedJoin> joinLater(Route route, Duration delay, Crowd.Presence presence,
            RetryPolicy policy) {
        CompletableFuture<RetriedJoin> done = new CompletableFuture<>();
        pool.schedule(() -> attempt(route, new ArrayList<>(), presence, policy, done), delay.toNanos(),
                TimeUnit.NANOSECONDS);
        return done;
    }

    // One task per attempt: the attempts list passes from one task to the next through the pool's queue, which
    // publishes it safely, and no two tasks of one player run at once.
    private void attempt(Route route, List<JoinAttempt> attempts, Crowd.Presence presence, RetryPolicy policy,
            CompletableFuture<RetriedJoin> done) {
        try {
            JoinAttempt attempt = JoinAttempt.make(route);
            attempts.add(attempt);
            Optional<Duration> pause = policy.pauseAfter(attempts.get(0), attempt);
            if (pause.isPresent()) {
                pool.schedule(() -> attempt(route, attempts, presence, policy, done), pause.get().toNanos(),
                        TimeUnit.NANOSECONDS);
                return;
            }
            if (presence == Crowd.Presence.LEAVE) {
                attempt.player().close();
            } else if (attempt.player().joined()) {
                synchronized (present) {
                    present.add(attempt.player());
                }
            }
            done.complete(new RetriedJoin(route, attempts));
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(new IllegalStateException(
                    route + ": attempt " + (attempts.size() + 1) + " failed: " + e, e));
        }
    }

    /** One player joining on its own (on the calling thread), staying in the crowd if it got in. */
    public Player joinOne(Route route) throws IOException {
        Player player = Player.join(route.via(), route.join().room(), route.join().player());
        if (player.joined()) {
            synchronized (present) {
                present.add(player);
            }
        }
        return player;
    }

    /** The player leaves the game: its connection closes. */
    public void leave(Player player) {
        synchronized (present) {
            present.remove(player);
        }
        player.close();
    }

    private List<Timed> collect(List<Route> routes, List<? extends Future<Timed>> pending, Crowd.Presence presence)
            throws InterruptedException {
        List<Timed> players = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            try {
                players.add(pending.get(i).get());
            } catch (ExecutionException e) {
                pending.forEach(f -> f.cancel(true));
                for (Future<Timed> f : pending) {
                    if (f.isDone() && !f.isCancelled()) {
                        try {
                            f.get().player().close();
                        } catch (ExecutionException other) {
                            // That join failed too: nothing to close.
                        }
                    }
                }
                throw new IllegalStateException(routes.get(i) + ": join failed", e.getCause());
            }
        }
        if (presence == Crowd.Presence.STAY) {
            synchronized (present) {
                players.stream().map(Timed::player).filter(Player::joined).forEach(present::add);
            }
        }
        return players;
    }

    /** The players alone, for {@link RoomReport#of}. */
    public static List<Player> players(List<Timed> timed) {
        return timed.stream().map(Timed::player).toList();
    }

    /** The slowest join of {@code timed}; zero when empty. */
    public static Duration slowest(List<Timed> timed) {
        return timed.stream().map(Timed::took).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    /** Players still connected through this crowd. */
    public List<Player> present() {
        synchronized (present) {
            return List.copyOf(present);
        }
    }

    // The pool stops first, so that no attempt still under way adds a player after the others have left.
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (present) {
            present.forEach(Player::close);
            present.clear();
        }
    }
}
