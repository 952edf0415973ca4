package io.roomrouter.e2e;

import io.roomrouter.kit.Player;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP join of a player through one proxy, timed as the player sees it: from connecting to HAProxy until the
 * game server's welcome (WebSocket handshake included) or HAProxy's refusal. {@code startNanos} is
 * {@link System#nanoTime()} at the start, to place the attempt on a test's timeline.
 */
public record JoinAttempt(TimedCrowd.Route route, long startNanos, Duration took, Player player) {

    /** The decision of a join the agent cannot place now; HAProxy answers it with 503 and {@code Retry-After}. */
    public static final String RETRY = "retry";

    public JoinAttempt {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(took, "took");
        Objects.requireNonNull(player, "player");
    }

    static JoinAttempt make(TimedCrowd.Route route) throws IOException {
        long start = System.nanoTime();
        Player player = Player.join(route.via(), route.join().room(), route.join().player());
        return new JoinAttempt(route, start, Duration.ofNanos(System.nanoTime() - start), player);
    }

    public int status() {
        return player.reply().status();
    }

    /** HTTP 503 with {@code X-Room-Decision: retry}: nothing was routed, and the player may come back. */
    public boolean toldToRetry() {
        return status() == 503 && player.decision().equals(RETRY);
    }

    /** The {@code Retry-After} HAProxy sent, in seconds as RFC 9110 §10.2.3 has it; empty when absent or a date. */
    public Optional<Duration> retryAfter() {
        return player.reply().header("retry-after")
                .filter(value -> value.matches("[0-9]{1,6}"))
                .map(value -> Duration.ofSeconds(Long.parseLong(value)));
    }

    /** When the attempt ended, on the {@link System#nanoTime()} scale. */
    public long endNanos() {
        return startNanos + took.toNanos();
    }
}
