package io.roomrouter.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Players joining through several HAProxy frontends, from a pool of {@code concurrency} threads, each join timed as
 * the player sees it: from connecting to HAProxy until the game server's welcome (or HAProxy's refusal).
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
    private final ExecutorService pool;
    private final List<Player> present = new ArrayList<>();

    public TimedCrowd(int concurrency) {
        this.concurrency = concurrency;
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
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
        if (routes.size() > concurrency) {
            throw new IllegalArgumentException("players arriving together: " + routes.size() + " (expected: <= "
                    + concurrency + ", the crowd's threads)");
        }
        CountDownLatch ready = new CountDownLatch(routes.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Timed>> pending = new ArrayList<>(routes.size());
        for (Route route : routes) {
            pending.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                return timed(route, presence);
            }));
        }
        ready.await();
        go.countDown();
        return collect(routes, pending, presence);
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

    private List<Timed> collect(List<Route> routes, List<Future<Timed>> pending, Crowd.Presence presence)
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

    @Override
    public void close() {
        synchronized (present) {
            present.forEach(Player::close);
            present.clear();
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
