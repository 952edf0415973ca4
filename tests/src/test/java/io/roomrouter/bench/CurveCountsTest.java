package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class CurveCountsTest {

    private static RoomPlan room(String id, long start) {
        return new RoomPlan(id, start, 1, 1000, List.of(new RoomPlan.Seat(id + "p0", true, start, 1000)));
    }

    // Warm-up until 100: room 0 (start 50) is not measured, rooms 1 and 2 (the last start ends the span) are.
    private final CurveCounts counts = new CurveCounts(
            new CurveSchedule(List.of(room("a", 50), room("b", 100), room("c", 200)), 100, 10));

    @Test
    void onlyRoomsOfTheMeasuredSpanCountAndARoomRefusedWholeHasNoPlayerCounted() {
        counts.roomOffered(0, true);
        counts.player(0, false);
        counts.roomOffered(1, true);
        counts.roomOffered(2, false);
        counts.player(2, false);
        counts.player(2, true);

        PlacementSimulation.Outcome o = counts.outcome("x", 1, 0.5, Double.NaN);
        assertThat(o.label()).isEqualTo("x");
        assertThat(o.rooms()).isEqualTo(2);
        assertThat(o.roomsRefused()).isEqualTo(1);
        assertThat(o.players()).isEqualTo(2);
        assertThat(o.playersRefused()).isEqualTo(1);
        assertThat(o.roomsSplit()).isEqualTo(1);
        assertThat(o.heldShare()).isEqualTo(0.5);
        assertThat(o.strandedShare()).isNaN();
    }

    @Test
    void theBusiestOverTheMeanIsAveragedOverSamplesWithPlayersOnly() {
        assertThat(counts.outcome("x", 0, 0, 0).busiestOverMean()).as("no sample yet").isNaN();

        counts.sample(0, 0, 3); // nobody connected: not a sample
        counts.sample(6, 9, 3); // 6 against a mean of 3
        counts.sample(4, 12, 3); // even

        assertThat(counts.outcome("x", 0, 0, 0).busiestOverMean()).isCloseTo(1.5, within(1e-9));
    }
}
