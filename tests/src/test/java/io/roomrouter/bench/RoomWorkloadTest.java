package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoomWorkloadTest {
    private static final RoomWorkload.Shape SHAPE = RoomWorkload.Shape.DEFAULT;
    private static final int CAPACITY = 3000;
    private static final int ROOMS = 20_000;
    private final RoomWorkload workload = new RoomWorkload(SHAPE, 42);
    private final List<RoomPlan> rooms = workload.rooms(0.85, CAPACITY, ROOMS);

    @Test
    void theSameSeedGivesTheSameRoomsAndAnotherSeedOthers() {
        assertThat(new RoomWorkload(SHAPE, 42).rooms(0.85, CAPACITY, 500)).isEqualTo(rooms.subList(0, 500));
        assertThat(new RoomWorkload(SHAPE, 43).rooms(0.85, CAPACITY, 500)).isNotEqualTo(rooms.subList(0, 500));
    }

    @Test
    void roomsArriveAsAPoissonProcessAtTheRateTheLoadSets() {
        double meanGap = 1 / workload.arrivalsPerMilli(0.85, CAPACITY);
        double sum = 0;
        double sumSquares = 0;
        long previous = 0;
        for (RoomPlan room : rooms) {
            long gap = room.startMillis() - previous;
            previous = room.startMillis();
            sum += gap;
            sumSquares += (double) gap * gap;
        }
        double mean = sum / ROOMS;
        double deviation = Math.sqrt(sumSquares / ROOMS - mean * mean);
        assertThat(mean / meanGap).isCloseTo(1.0, within(0.03));
        // Exponential gaps: the standard deviation equals the mean.
        assertThat(deviation / mean).isCloseTo(1.0, within(0.05));
    }

    @Test
    void sizesAreMostlyFullAndTheRestSpreadDownToTheMinimum() {
        long full = rooms.stream().filter(r -> r.size() == SHAPE.maxSize()).count();
        assertThat(full / (double) ROOMS).isCloseTo(SHAPE.fullShare(), within(0.015));
        assertThat(rooms).allSatisfy(r -> assertThat(r.size()).isBetween(SHAPE.minSize(), SHAPE.maxSize()));
        assertThat(rooms).anySatisfy(r -> assertThat(r.size()).isEqualTo(SHAPE.minSize()));
        double meanSize = rooms.stream().mapToInt(RoomPlan::size).average().orElseThrow();
        assertThat(meanSize).isCloseTo(SHAPE.meanSize(), within(0.05));
    }

    @Test
    void playersAreMostlyPromptSomeLateSomeNeverAndSomeLeaveEarly() {
        long seats = 0;
        long noShows = 0;
        long late = 0;
        long prompt = 0;
        long early = 0;
        for (RoomPlan room : rooms) {
            for (RoomPlan.Seat seat : room.seats()) {
                seats++;
                if (!seat.comes()) {
                    noShows++;
                    continue;
                }
                long delay = seat.joinMillis() - room.startMillis();
                assertThat(delay).isBetween(0L, SHAPE.lateMaxMillis());
                assertThat(seat.leaveMillis()).isGreaterThan(seat.joinMillis()).isLessThanOrEqualTo(room.endMillis());
                late += delay >= SHAPE.lateMinMillis() ? 1 : 0;
                prompt += delay < 10_000 ? 1 : 0;
                early += seat.leaveMillis() < room.endMillis() ? 1 : 0;
            }
        }
        long came = seats - noShows;
        assertThat(noShows / (double) seats).isCloseTo(SHAPE.noShowShare(), within(0.005));
        // Late: the late share, plus the few prompt delays past 10 s (exp(-10/3) of the prompt ones).
        double expectedLate = SHAPE.lateShare() + (1 - SHAPE.lateShare()) * Math.exp(-10.0 / 3);
        assertThat(late / (double) came).isCloseTo(expectedLate, within(0.005));
        assertThat(prompt / (double) came).isGreaterThan(0.85);
        assertThat(early / (double) came).isCloseTo(SHAPE.earlyLeaveShare(), within(0.01));
    }

    @Test
    void aRoomsPeakCountsThePlayersConnectedTogetherNotThoseWhoLeftBeforeOthersCame() {
        RoomPlan room = new RoomPlan("r", 0, 5, 1_000, List.of(
                new RoomPlan.Seat("a", true, 0, 1_000),
                new RoomPlan.Seat("b", true, 10, 100), // gone before c and d come
                new RoomPlan.Seat("c", true, 100, 1_000), // comes at the instant b leaves
                new RoomPlan.Seat("d", true, 200, 1_000),
                new RoomPlan.Seat("e", false, 0, 0))); // a no-show
        assertThat(room.shows()).isEqualTo(4);
        assertThat(room.peakPlayers()).isEqualTo(3);
        assertThat(rooms).allSatisfy(r -> assertThat(r.peakPlayers()).isBetween(0, (int) r.shows()));
    }

    @Test
    void roomsLiveWithinTheirDrawnLifetimes() {
        double meanLife = rooms.stream().mapToLong(r -> r.endMillis() - r.startMillis()).average().orElseThrow();
        assertThat(meanLife).isCloseTo((SHAPE.minLifeMillis() + SHAPE.maxLifeMillis()) / 2.0, within(5_000.0));
        assertThat(rooms).allSatisfy(r -> assertThat(r.endMillis() - r.startMillis())
                .isBetween(SHAPE.minLifeMillis(), SHAPE.maxLifeMillis()));
    }

    @Test
    void theClosedFormSeatTimeMatchesTheRoomsDrawn() {
        double drawn = rooms.stream().mapToLong(RoomPlan::seatMillis).average().orElseThrow();
        assertThat(drawn / workload.expectedSeatMillis()).isCloseTo(1.0, within(0.01));
    }

    /** The load offered: seats in use over time, between the first rooms' ends and the last room's start. */
    @Test
    void seatsInUseOverCapacityAverageTheOfferedLoad() {
        for (double load : new double[] {0.5, 1.1}) {
            List<RoomPlan> offered = workload.rooms(load, CAPACITY, ROOMS);
            long from = SHAPE.maxLifeMillis();
            long to = offered.get(offered.size() - 1).startMillis();
            double seatMillis = 0;
            for (RoomPlan room : offered) {
                for (RoomPlan.Seat seat : room.seats()) {
                    if (seat.comes()) {
                        seatMillis += Math.max(0, Math.min(to, seat.leaveMillis()) - Math.max(from, seat.joinMillis()));
                    }
                }
            }
            assertThat(seatMillis / ((double) (to - from) * CAPACITY)).isCloseTo(load, within(0.03 * load));
        }
    }

    @Test
    void compressionDividesEveryDuration() {
        RoomWorkload fast = new RoomWorkload(SHAPE.compressed(10), 42);
        assertThat(fast.expectedSeatMillis() * 10 / workload.expectedSeatMillis()).isCloseTo(1.0, within(0.001));
        RoomPlan first = fast.rooms(0.85, CAPACITY, 1).get(0);
        assertThat(first.endMillis() - first.startMillis())
                .isBetween(SHAPE.minLifeMillis() / 10, SHAPE.maxLifeMillis() / 10);
    }

    @Test
    void aShapeWhosePlayersCouldJoinAfterTheirRoomEndedIsRefused() {
        assertThatThrownBy(() -> new RoomWorkload.Shape(0.7, 2, 10, 0.05, 0.1, 3_000, 10_000, 400_000, 0.2,
                300_000, 900_000)).hasMessageContaining("lateMaxMillis");
    }
}
