package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.bench.CurveSchedule.Event;
import io.roomrouter.bench.CurveSchedule.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurveScheduleTest {

    @Test
    void playsEveryJoinLeaveAndEndInTimeOrderWithSamplesOverTheMeasuredSpan() {
        // a: starts at 0, seat 0 joins at 5 and leaves at 100 (its end), seat 1 is a no-show, seat 2 joins at 20 and
        // leaves early at 50. b: starts at 40, its one seat joins at 50 (when a's seat 2 leaves) until 70.
        RoomPlan a = new RoomPlan("a", 0, 3, 100, List.of(new RoomPlan.Seat("ap0", true, 5, 100),
                new RoomPlan.Seat("ap1", false, 0, 0), new RoomPlan.Seat("ap2", true, 20, 50)));
        RoomPlan b = new RoomPlan("b", 40, 1, 70, List.of(new RoomPlan.Seat("bp0", true, 50, 70)));

        CurveSchedule schedule = new CurveSchedule(List.of(a, b), 10, 20);

        assertThat(schedule.events()).containsExactly(
                new Event(5, Kind.JOIN, 0, 0),
                new Event(10, Kind.SAMPLE, -1, -1),
                new Event(20, Kind.JOIN, 0, 2),
                new Event(30, Kind.SAMPLE, -1, -1),
                // The last sample is at b's start, 40, the end of the measured span.
                new Event(50, Kind.LEAVE, 0, 2),
                new Event(50, Kind.JOIN, 1, 0),
                new Event(70, Kind.LEAVE, 1, 0),
                new Event(70, Kind.END, 1, -1),
                new Event(100, Kind.LEAVE, 0, 0),
                new Event(100, Kind.END, 0, -1));
        assertThat(schedule.lastMillis()).isEqualTo(100);
    }

    @Test
    void aSampleDueWithAJoinSeesTheServersBeforeIt() {
        RoomPlan a = new RoomPlan("a", 0, 1, 100, List.of(new RoomPlan.Seat("ap0", true, 40, 100)));
        RoomPlan b = new RoomPlan("b", 40, 1, 100, List.of(new RoomPlan.Seat("bp0", true, 60, 100)));

        assertThat(new CurveSchedule(List.of(a, b), 40, 10).events()).startsWith(
                new Event(40, Kind.SAMPLE, -1, -1), new Event(40, Kind.JOIN, 0, 0));
    }

    @Test
    void onlyRoomsStartingAfterTheWarmUpUpToTheLastStartAreMeasured() {
        List<RoomPlan> rooms = List.of(
                new RoomPlan("a", 5, 1, 100, List.of(new RoomPlan.Seat("ap0", true, 6, 100))),
                new RoomPlan("b", 10, 1, 100, List.of(new RoomPlan.Seat("bp0", true, 11, 100))),
                new RoomPlan("c", 30, 1, 100, List.of(new RoomPlan.Seat("cp0", true, 31, 100))));

        CurveSchedule schedule = new CurveSchedule(rooms, 10, 5);

        assertThat(List.of(schedule.measured(0), schedule.measured(1), schedule.measured(2)))
                .containsExactly(false, true, true);
    }

    @Test
    void needsRoomsAndAPositivePeriod() {
        RoomPlan a = new RoomPlan("a", 0, 1, 100, List.of(new RoomPlan.Seat("ap0", true, 40, 100)));

        assertThatThrownBy(() -> new CurveSchedule(List.of(), 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CurveSchedule(List.of(a), 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
