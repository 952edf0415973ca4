package io.roomrouter.bench;

import io.roomrouter.e2e.TimedCrowd;
import io.roomrouter.kit.Player;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Players joining on a schedule, open loop: the n-th join starts at n / rate seconds whether or not the earlier
 * ones are done (it waits for a free thread if all are busy), so a slow stack builds a backlog instead of lowering
 * the rate offered. Each player leaves as soon as it is welcomed.
 */
final class PacedJoins {

    /** What the schedule gave: every player that got an answer, joins that failed, and the seconds it all took. */
    record Outcome(List<Player> players, int failed, double seconds) {

        double joinsPerSecond() {
            return (players.size() + failed) / seconds;
        }
    }

    private PacedJoins() {}

    static Outcome run(List<TimedCrowd.Route> routes, int perSecond, int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread thread = new Thread(r, "paced-player");
            thread.setDaemon(true);
            return thread;
        });
        try {
            long start = System.nanoTime();
            List<Future<Player>> pending = new ArrayList<>(routes.size());
            for (int i = 0; i < routes.size(); i++) {
                long due = start + i * 1_000_000_000L / perSecond;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                TimedCrowd.Route route = routes.get(i);
                pending.add(pool.submit(() -> join(route)));
            }
            List<Player> players = new ArrayList<>(routes.size());
            int failed = 0;
            for (Future<Player> join : pending) {
                try {
                    players.add(join.get());
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            return new Outcome(players, failed, (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static Player join(TimedCrowd.Route route) throws IOException {
        Player player = Player.join(route.via(), route.join().room(), route.join().player());
        player.close();
        return player;
    }
}
