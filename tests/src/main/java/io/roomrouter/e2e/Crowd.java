package io.roomrouter.e2e;

import io.roomrouter.kit.Player;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Many players joining through one HAProxy frontend at once, from a pool of {@code concurrency} threads: a
 * {@link TimedCrowd} whose players all take the same route. Players that hold their connection stay in the crowd
 * until they leave or the crowd closes.
 */
public final class Crowd implements AutoCloseable {

    /** Whether a player keeps the WebSocket open after its welcome. */
    public enum Presence {
        STAY,
        LEAVE
    }

    private final InetSocketAddress via;
    private final TimedCrowd crowd;

    public Crowd(InetSocketAddress via, int concurrency) {
        this.via = via;
        this.crowd = new TimedCrowd(concurrency);
    }

    /** Joins everyone, {@code concurrency} at a time in list order; returns the players in the same order. */
    public List<Player> join(List<Join> joins, Presence presence) throws InterruptedException {
        List<TimedCrowd.Route> routes = joins.stream().map(join -> new TimedCrowd.Route(via, join)).toList();
        return TimedCrowd.players(crowd.join(routes, presence));
    }

    /** One player joining on its own (on the calling thread), staying in the crowd if it got in. */
    public Player joinOne(String room, String player) {
        Join join = new Join(room, player);
        try {
            return crowd.joinOne(new TimedCrowd.Route(via, join));
        } catch (IOException e) {
            throw new UncheckedIOException(join + ": join failed", e);
        }
    }

    /** The player leaves the game: its connection closes. */
    public void leave(Player player) {
        crowd.leave(player);
    }

    /** Players still connected through this crowd. */
    public List<Player> present() {
        return crowd.present();
    }

    @Override
    public void close() {
        crowd.close();
    }
}
