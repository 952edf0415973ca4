package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementSimulationTest {
    private static final List<String> ONE = List.of("game1");
    private static final List<String> TWO = List.of("game1", "game2");

    /** A room of {@code size} starting at {@code start} s whose first {@code shows} players join at {@code join} s. */
    private static RoomPlan room(String id, long start, int size, int shows, long join, long end) {
        List<RoomPlan.Seat> seats = new ArrayList<>();
        for (int s = 0; s < size; s++) {
            seats.add(s < shows ? new RoomPlan.Seat(id + "p" + s, true, join * 1000, end * 1000)
                    : new RoomPlan.Seat(id + "p" + s, false, 0, 0));
        }
        return new RoomPlan(id, start * 1000, size, end * 1000, seats);
    }

    private static RoomRouterModel shipped(List<String> servers, int capacity) {
        return new RoomRouterModel("room-router", servers, capacity, RoomRouterModel.SHIPPED_WINDOW,
                RoomRouterModel.SHIPPED_STRAGGLER_HOLD, 0);
    }

    @Test
    void aRoomThatFitsNowhereIsRefusedWholeByEveryRoomKeepingRule() {
        List<RoomPlan> rooms = List.of(room("a", 0, 6, 6, 1, 600), room("b", 10, 6, 6, 11, 600),
                room("c", 700, 6, 6, 701, 800));
        PlacementSimulation simulation = new PlacementSimulation(rooms, 1, 10, 0);

        for (SimulatedPlacement rule : List.of(shipped(ONE, 10),
                new IdealPacker(1, 10, simulation.horizonMillis()))) {
            PlacementSimulation.Outcome o = simulation.run(rule);
            assertThat(o.rooms()).as(rule.label()).isEqualTo(3);
            assertThat(o.roomsRefused()).as(rule.label()).isEqualTo(1);
            assertThat(o.players()).as(rule.label()).isEqualTo(12); // b's players never came
            assertThat(o.playersRefused()).as(rule.label()).isZero();
        }
    }

    @Test
    void leastconnSplitsARoomAndRoomRouterDoesNot() {
        List<RoomPlan> rooms = List.of(room("a", 0, 4, 4, 1, 600), room("b", 10, 4, 4, 11, 600));
        PlacementSimulation simulation = new PlacementSimulation(rooms, 2, 10, 0);

        assertThat(simulation.run(new LeastConnModel(10)).roomsSplit()).isEqualTo(2);
        assertThat(simulation.run(shipped(TWO, 10)).roomsSplit()).isZero();
    }

    /**
     * One no-show in a room of 10 whose 9 other players join at 1 s: without a straggler hold (one as long as the
     * window), its seat is held, for nobody, from the room's placement until the 60 s window ends: the samples at
     * 10 to 60 s, 6 of the 60 samples from 0 to 590 s, on 20 seats. With the shipped hold of 10 s, the 8th player
     * at 1 s ends the hold at 11 s: only the sample at 10 s.
     */
    @Test
    void aNoShowsSeatIsStrandedUntilTheStragglerHoldOrTheReservationWindowEnds() {
        List<RoomPlan> rooms = List.of(room("a", 0, 10, 9, 1, 600), room("b", 590, 2, 2, 591, 700));
        PlacementSimulation simulation = new PlacementSimulation(rooms, 1, 20, 0);
        Duration window = RoomRouterModel.SHIPPED_WINDOW;

        PlacementSimulation.Outcome before = simulation.run(new RoomRouterModel("no hold", ONE, 20, window, window, 0));
        assertThat(before.strandedShare()).isCloseTo(6 / 60.0 / 20, within(1e-9));
        // The store confirms arrivals against a snapshot at its next join: with no join until 591 s, it still holds
        // all 10 seats at each of those 6 samples (then none, the window over).
        assertThat(before.heldShare()).isCloseTo(6 * 10 / 60.0 / 20, within(1e-9));
        PlacementSimulation.Outcome rr = simulation.run(shipped(ONE, 20));
        assertThat(rr.strandedShare()).isCloseTo(1 / 60.0 / 20, within(1e-9));
        assertThat(rr.heldShare()).isCloseTo(10 / 60.0 / 20, within(1e-9));
        Duration twenty = Duration.ofSeconds(20);
        PlacementSimulation.Outcome shorter = simulation.run(new RoomRouterModel("20s", ONE, 20, twenty, twenty, 0));
        assertThat(shorter.strandedShare()).isCloseTo(2 / 60.0 / 20, within(1e-9)); // 10 and 20 s
        assertThat(simulation.run(new IdealPacker(1, 20, simulation.horizonMillis())).strandedShare()).isZero();
    }

    @Test
    void onAWorkloadNoRuleBeatsTheIdealPackerAndOnlyRoomBlindOnesSplit() {
        List<RoomPlan> rooms = new RoomWorkload(RoomWorkload.Shape.DEFAULT, 7).rooms(0.95, 300, 2_000);
        PlacementSimulation simulation = new PlacementSimulation(rooms, 3, 100, 1_800_000);
        List<String> servers = List.of("game1", "game2", "game3");

        PlacementSimulation.Outcome ideal = simulation.run(new IdealPacker(3, 100, simulation.horizonMillis()));
        PlacementSimulation.Outcome rr = simulation.run(shipped(servers, 100));
        PlacementSimulation.Outcome hash = simulation.run(new BoundedHashModel(servers, 125));
        assertThat(ideal.roomsRefused()).isPositive().isLessThanOrEqualTo(rr.roomsRefused());
        assertThat(ideal.roomsSplit()).isZero();
        assertThat(rr.roomsSplit()).isZero();
        assertThat(hash.roomsSplit()).isPositive();
        assertThat(rr.busiestOverMean()).isBetween(1.0, 1.2);
    }
}
