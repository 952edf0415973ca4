package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrandedSeatsTest {
    private static final long WINDOW = 1_000;
    private static final long HOLD = 200;

    /** A room of {@code size} placed at 0 whose players join at {@code joins} (ms); the rest never come. */
    private static RoomPlan room(int size, long... joins) {
        List<RoomPlan.Seat> seats = new ArrayList<>();
        for (int s = 0; s < size; s++) {
            seats.add(s < joins.length ? new RoomPlan.Seat("p" + s, true, joins[s], 10_000)
                    : new RoomPlan.Seat("p" + s, false, 0, 0));
        }
        return new RoomPlan("r0", 0, size, 10_000, seats);
    }

    @Test
    void seatsOfNoShowsAreStrandedWhileHeld() {
        RoomPlan room = room(5, 10, 20, 30); // 2 no-shows; 3 of 5 never makes four in five
        assertThat(StrandedSeats.of(room, 0, 5, 1, WINDOW, HOLD)).isEqualTo(2); // 2 still coming, 2 never
        assertThat(StrandedSeats.of(room, 0, 2, 3, WINDOW, HOLD)).isEqualTo(2);
    }

    @Test
    void aPlayerWhoComesAfterTheHoldEndsIsStrandedOneWhoComesBeforeIsNot() {
        // 10 seats: 8 come within 80 ms (four in five at the 8th: the hold ends at 80 + 200), one at 250 (in time),
        // one at 900 (after the straggler hold, before the window's end).
        RoomPlan room = room(10, 10, 20, 30, 40, 50, 60, 70, 80, 250, 900);
        assertThat(StrandedSeats.of(room, 0, 2, 8, WINDOW, HOLD)).isEqualTo(1);
    }

    @Test
    void withoutFourInFiveTheWindowAloneEndsTheHold() {
        RoomPlan room = room(10, 10, 20, 30, 40, 50, 60, 70, 900, 1_500); // 7 early: no early end
        assertThat(StrandedSeats.of(room, 0, 3, 7, WINDOW, HOLD)).isEqualTo(2); // 900 in the window, 1500 not, 1 never
    }

    @Test
    void nothingHeldIsNothingStrandedAndNeverMoreThanHeld() {
        RoomPlan room = room(10);
        assertThat(StrandedSeats.of(room, 0, 0, 0, WINDOW, HOLD)).isZero();
        assertThat(StrandedSeats.of(room, 0, 4, 0, WINDOW, HOLD)).isEqualTo(4);
    }

    @Test
    void playersTheAgentSawCountEvenWhenThePlanSaysFewerBeforeTheHoldEnd() {
        RoomPlan room = room(4, 10, 20); // 2 of 4 come
        assertThat(StrandedSeats.of(room, 0, 1, 3, WINDOW, HOLD)).isEqualTo(1);
    }
}
