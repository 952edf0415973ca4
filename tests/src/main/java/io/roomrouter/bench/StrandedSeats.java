package io.roomrouter.bench;

import io.roomrouter.store.RoomLifetimes;
import java.util.Arrays;

/**
 * The seats a room holds for players who will not arrive while they are held, from what the agent's room API says
 * of the room (when it was placed, the seats it holds, the players it saw) and the room's plan (who comes when):
 * its size less the players who arrive before its hold ends, at most what it holds. The hold ends at the
 * reservation window's end or, once four in five of its players arrived ({@link RoomLifetimes#mostArrived}), the
 * straggler hold after that arrival, whichever is sooner, as the store's rule. The same count as
 * {@link RoomRouterModel#strandedSeats} in the simulation, for the curve through HAProxy.
 */
final class StrandedSeats {
    private StrandedSeats() {}

    /** Times in the plan's milliseconds; {@code placedAtMillis} as the agent reports it, on the same time line. */
    static int of(RoomPlan room, long placedAtMillis, int seatsHeld, int playersSeen, long windowMillis,
            long holdMillis) {
        if (seatsHeld <= 0) {
            return 0;
        }
        long[] joins = room.seats().stream().filter(RoomPlan.Seat::comes).mapToLong(RoomPlan.Seat::joinMillis)
                .sorted().toArray();
        long holdEnd = placedAtMillis + windowMillis;
        for (int k = 1; k <= joins.length && k < room.size(); k++) {
            if (RoomLifetimes.mostArrived(k, room.size())) {
                holdEnd = Math.min(holdEnd, joins[k - 1] + holdMillis);
                break;
            }
        }
        long end = holdEnd;
        int arriving = (int) Arrays.stream(joins).filter(at -> at < end).count();
        return Math.min(seatsHeld, Math.max(0, room.size() - Math.max(arriving, playersSeen)));
    }
}
