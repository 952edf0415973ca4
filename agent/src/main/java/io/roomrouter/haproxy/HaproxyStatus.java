package io.roomrouter.haproxy;

import io.roomrouter.placement.ServerState;
import java.util.Optional;

/**
 * Reduces the {@code status} column of {@code show stat} to a {@link ServerState}. HAProxy 2.6 writes (see
 * {@code srv_hlt_st} in {@code src/stats.c}): {@code UP}, {@code UP 2/3} (up, failing checks), {@code no check},
 * {@code DRAIN}, {@code DRAIN 1/3}, {@code DRAIN (agent)}, {@code NOLB}, {@code NOLB 1/3} (http-check
 * disable-on-404), {@code DOWN}, {@code DOWN 1/2} (down, passing checks), {@code DOWN (agent)}, {@code MAINT},
 * {@code MAINT (via be/s)} and {@code MAINT (resolution)}.
 */
final class HaproxyStatus {

    private HaproxyStatus() {}

    /** The state {@code status} means; empty when HAProxy wrote something this agent does not know. */
    static Optional<ServerState> toState(String status) {
        if (status.equals("no check")) {
            return Optional.of(ServerState.UP);
        }
        int space = status.indexOf(' ');
        String word = space < 0 ? status : status.substring(0, space);
        return switch (word) {
            // "UP 2/3" still takes traffic while its checks fail, until they have failed 'fall' times.
            case "UP", "OPEN" -> Optional.of(ServerState.UP);
            case "DRAIN", "NOLB" -> Optional.of(ServerState.DRAIN);
            // "DOWN 1/2" takes no traffic until its checks have passed 'rise' times.
            case "DOWN" -> Optional.of(ServerState.DOWN);
            case "MAINT" -> Optional.of(ServerState.MAINT);
            default -> Optional.empty();
        };
    }
}
