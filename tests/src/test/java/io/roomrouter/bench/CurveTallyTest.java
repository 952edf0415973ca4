package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.roomrouter.bench.CurveTally.Send;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CurveTallyTest {
    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    private static final Optional<String> REFUSED = Optional.empty();

    /** A room of {@code size} players who all come, starting at {@code start}, ending at 1000. */
    private static RoomPlan room(String id, long start, int size) {
        List<RoomPlan.Seat> seats = new ArrayList<>();
        for (int s = 0; s < size; s++) {
            seats.add(new RoomPlan.Seat(id + "p" + s, true, start + s, 1000));
        }
        return new RoomPlan(id, start, size, 1000, seats);
    }

    private static CurveTally tally(long warmupMillis, RoomPlan... rooms) {
        return new CurveTally(new CurveSchedule(List.of(rooms), warmupMillis, 100), SERVERS);
    }

    /** Connections by the tally's closes, to see which it closed. */
    private static final class Connections {
        final List<String> closed = new ArrayList<>();

        Runnable of(String player) {
            return () -> closed.add(player);
        }
    }

    @Test
    void aRoomWhoseFirstJoinIsRefusedIsRefusedWholeAndItsOtherPlayersNeverCome() {
        CurveTally tally = tally(0, room("a", 0, 3));
        Connections connections = new Connections();

        assertThat(tally.due(0, 0)).isEqualTo(Send.FIRST);
        assertThat(tally.due(0, 1)).isEqualTo(Send.WAIT); // the first join has no answer yet
        assertThat(tally.joined(0, 0, true, REFUSED, connections.of("ap0"))).isEmpty();
        assertThat(tally.due(0, 2)).isEqualTo(Send.SKIP);

        PlacementSimulation.Outcome o = tally.outcome("x", Double.NaN, Double.NaN);
        assertThat(o.rooms()).isEqualTo(1);
        assertThat(o.roomsRefused()).isEqualTo(1);
        assertThat(o.players()).isZero();
        assertThat(o.playersRefused()).isZero();
        assertThat(tally.connected()).isZero();
    }

    @Test
    void aTakenRoomSendsItsWaitingPlayersAndCountsLaterRefusalsAndSplits() {
        CurveTally tally = tally(0, room("a", 0, 4));
        Connections connections = new Connections();

        assertThat(tally.due(0, 0)).isEqualTo(Send.FIRST);
        assertThat(tally.due(0, 1)).isEqualTo(Send.WAIT);
        assertThat(tally.due(0, 2)).isEqualTo(Send.WAIT);
        assertThat(tally.joined(0, 0, true, Optional.of("game1"), connections.of("ap0"))).containsExactly(1, 2);
        assertThat(tally.joined(0, 1, false, Optional.of("game1"), connections.of("ap1"))).isEmpty();
        assertThat(tally.joined(0, 2, false, REFUSED, connections.of("ap2"))).isEmpty();
        assertThat(tally.due(0, 3)).isEqualTo(Send.LATER);
        tally.joined(0, 3, false, Optional.of("game2"), connections.of("ap3"));

        PlacementSimulation.Outcome o = tally.outcome("x", Double.NaN, Double.NaN);
        assertThat(o.roomsRefused()).isZero();
        assertThat(o.players()).isEqualTo(4);
        assertThat(o.playersRefused()).isEqualTo(1);
        assertThat(o.roomsSplit()).isEqualTo(1);
        assertThat(tally.connected()).isEqualTo(3);
        assertThat(connections.closed).isEmpty();
    }

    @Test
    void aPlayerWhoseLeaveCameWhileItWasJoiningIsClosedAtOnceAndTheRoomsEndClosesTheRest() {
        CurveTally tally = tally(0, room("a", 0, 2), room("b", 10, 1));
        Connections connections = new Connections();

        tally.due(0, 0);
        tally.joined(0, 0, true, Optional.of("game1"), connections.of("ap0"));
        assertThat(tally.due(0, 1)).isEqualTo(Send.LATER);
        tally.leave(0, 1);
        tally.joined(0, 1, false, Optional.of("game1"), connections.of("ap1"));
        assertThat(connections.closed).containsExactly("ap1");
        assertThat(tally.connected()).isEqualTo(1);

        assertThat(tally.end(0)).isTrue();
        assertThat(connections.closed).containsExactly("ap1", "ap0");
        assertThat(tally.connected()).isZero();
        assertThat(tally.end(1)).as("b: no join was ever sent, nothing to release").isFalse();
    }

    @Test
    void roomsOfTheWarmUpAreNotCounted() {
        CurveTally tally = tally(5, room("a", 0, 1), room("b", 10, 1));
        Connections connections = new Connections();

        tally.due(0, 0);
        tally.joined(0, 0, true, REFUSED, connections.of("ap0"));
        tally.due(1, 0);
        tally.joined(1, 0, true, Optional.of("game1"), connections.of("bp0"));

        PlacementSimulation.Outcome o = tally.outcome("x", Double.NaN, Double.NaN);
        assertThat(o.rooms()).isEqualTo(1);
        assertThat(o.roomsRefused()).isZero();
        assertThat(o.players()).isEqualTo(1);
    }

    @Test
    void samplesTheBusiestServerOverTheMeanOfAllServers() {
        CurveTally tally = tally(0, room("a", 0, 3), room("b", 1, 1));
        Connections connections = new Connections();
        tally.sample(); // nobody connected: no sample
        tally.due(0, 0);
        tally.joined(0, 0, true, Optional.of("game1"), connections.of("ap0"));
        tally.joined(0, 1, false, Optional.of("game1"), connections.of("ap1"));
        tally.joined(0, 2, false, Optional.of("game1"), connections.of("ap2"));
        tally.due(1, 0);
        tally.joined(1, 0, true, Optional.of("game2"), connections.of("bp0"));
        tally.sample(); // 3 on game1 of 4 on 3 servers: 3 / (4 / 3) = 2.25
        tally.leave(0, 2);
        tally.leave(0, 1);
        tally.sample(); // 1, 1, 0: 1 / (2 / 3) = 1.5

        assertThat(tally.outcome("x", Double.NaN, Double.NaN).busiestOverMean()).isCloseTo(1.875, within(1e-9));
    }
}
