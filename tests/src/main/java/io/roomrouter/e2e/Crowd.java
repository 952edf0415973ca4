package io.roomrouter.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many players joining through HAProxy at once, from a pool of {@code concurrency} threads. Players that hold
 * their connection stay in the crowd until they leave or the crowd closes.
 */
public final class Crowd implements AutoCloseable {

    /** Whether a player keeps the WebSocket open after its welcome. */
    public enum Presence {
        STAY,
        LEAVE
    }

    private final InetSocketAddress via;
    private final ExecutorService pool;
    private final List<Player> present = new ArrayList<>();

    public Crowd(InetSocketAddress via, int concurrency) {
        this.via = via;
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread thread = new Thread(r, "player");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Joins everyone, {@code concurrency} at a time in list order; returns the players in the same order. */
    public List<Player> join(List<Join> joins, Presence presence) throws InterruptedException {
        List<Future<Player>> pending = new ArrayList<>(joins.size());
        for (Join join : joins) {
            pending.add(pool.submit(() -> {
                Player player = Player.join(via, join.room(), join.player());
                if (presence == Presence.LEAVE) {
                    player.close();
                }
                return player;
            }));
        }
        List<Player> players = new ArrayList<>(joins.size());
        for (int i = 0; i < pending.size(); i++) {
            try {
                players.add(pending.get(i).get());
            } catch (ExecutionException e) {
                pending.forEach(f -> f.cancel(true));
                players.forEach(Player::close);
                throw new IllegalStateException(joins.get(i) + ": join failed", e.getCause());
            }
        }
        if (presence == Presence.STAY) {
            synchronized (present) {
                players.stream().filter(Player::joined).forEach(present::add);
            }
        }
        return players;
    }

    /** One player joining on its own (on the calling thread), staying in the crowd if it got in. */
    public Player joinOne(String room, String player) {
        try {
            Player joined = Player.join(via, room, player);
            if (joined.joined()) {
                synchronized (present) {
                    present.add(joined);
                }
            }
            return joined;
        } catch (IOException e) {
            throw new UncheckedIOException(new Join(room, player) + ": join failed", e);
        }
    }

    /** The player leaves the game: its connection closes. */
    public void leave(Player player) {
        synchronized (present) {
            present.remove(player);
        }
        player.close();
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
