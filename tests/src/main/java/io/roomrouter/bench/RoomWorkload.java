package io.roomrouter.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded, reproducible model of rooms as a game platform makes them, for the placement curve: rooms arrive as a
 * Poisson process; a room's size (what its joins declare) is {@link Shape#maxSize} with probability
 * {@link Shape#fullShare}, else uniform from {@link Shape#minSize} to one less; each seat's player is a no-show
 * with probability {@link Shape#noShowShare}, else joins after an exponential delay (mean
 * {@link Shape#promptMeanMillis}), or with probability {@link Shape#lateShare} late, uniform between
 * {@link Shape#lateMinMillis} and {@link Shape#lateMaxMillis}; a player who came leaves early, uniformly within its
 * stay, with probability {@link Shape#earlyLeaveShare}, else at the room's end; a room lives uniformly between
 * {@link Shape#minLifeMillis} and {@link Shape#maxLifeMillis}. {@link Shape#compressed} divides every duration, so
 * that a run through real processes takes minutes; the simulation runs in virtual time and needs none.
 *
 * <p>Offered load is the expected seats in use (players connected) over total capacity; the arrival rate is set from
 * it with {@link #expectedSeatMillis()}, computed in closed form from the shape (the unit test checks it against
 * the rooms drawn).
 */
final class RoomWorkload {
    private final Shape shape;
    private final long seed;

    /** The distributions of one workload; durations in milliseconds. */
    record Shape(double fullShare, int minSize, int maxSize, double noShowShare, double lateShare,
            long promptMeanMillis, long lateMinMillis, long lateMaxMillis, double earlyLeaveShare,
            long minLifeMillis, long maxLifeMillis) {

        /**
         * Matches of 10 mostly, some smaller; 5 % no-shows; most players within seconds, a tenth between 10 s and 3
         * minutes (past the 60 s reservation window for most of them); a fifth leave early; rooms live 5 to 15
         * minutes.
         */
        static final Shape DEFAULT = new Shape(0.7, 2, 10, 0.05, 0.1, 3_000, 10_000, 180_000, 0.2, 300_000, 900_000);

        Shape {
            if (minSize < 1 || maxSize <= minSize) {
                throw new IllegalArgumentException(
                        "sizes: " + minSize + ".." + maxSize + " (expected: 1 <= minSize < maxSize)");
            }
            if (lateMaxMillis >= minLifeMillis) {
                // A player joining after its room ended would be a no-show the shape does not count as one.
                throw new IllegalArgumentException(
                        "lateMaxMillis: " + lateMaxMillis + " (expected: < minLifeMillis " + minLifeMillis + ")");
            }
            if (promptMeanMillis <= 0 || lateMinMillis > lateMaxMillis || minLifeMillis > maxLifeMillis) {
                throw new IllegalArgumentException("durations: " + this + " (expected: ordered and positive)");
            }
        }

        /** The same workload with every duration divided by {@code factor}. */
        Shape compressed(double factor) {
            return new Shape(fullShare, minSize, maxSize, noShowShare, lateShare, scale(promptMeanMillis, factor),
                    scale(lateMinMillis, factor), scale(lateMaxMillis, factor), earlyLeaveShare,
                    scale(minLifeMillis, factor), scale(maxLifeMillis, factor));
        }

        /** The mean declared size. */
        double meanSize() {
            return fullShare * maxSize + (1 - fullShare) * (minSize + maxSize - 1) / 2.0;
        }

        private static long scale(long millis, double factor) {
            return Math.max(1, Math.round(millis / factor));
        }
    }

    RoomWorkload(Shape shape, long seed) {
        this.shape = shape;
        this.seed = seed;
    }

    Shape shape() {
        return shape;
    }

    /**
     * The expected seat-milliseconds of one room: its mean size, times the share of players who come, times their
     * mean stay, (life - join delay) less half of it for the early leavers (who leave uniformly within it). The
     * prompt delay is cut at {@link Shape#lateMaxMillis}, which moves its mean by far less than a millisecond.
     */
    double expectedSeatMillis() {
        double meanLife = (shape.minLifeMillis() + shape.maxLifeMillis()) / 2.0;
        double meanDelay = (1 - shape.lateShare()) * shape.promptMeanMillis()
                + shape.lateShare() * (shape.lateMinMillis() + shape.lateMaxMillis()) / 2.0;
        double stay = (meanLife - meanDelay) * (1 - shape.earlyLeaveShare() / 2);
        return shape.meanSize() * (1 - shape.noShowShare()) * stay;
    }

    /** Rooms a millisecond for {@code offeredLoad} (1.0 = every seat of {@code capacity} in use on average). */
    double arrivalsPerMilli(double offeredLoad, int capacity) {
        return offeredLoad * capacity / expectedSeatMillis();
    }

    /**
     * {@code count} rooms in start order, the first after one inter-arrival time from 0; the same seed, load and
     * capacity give the same rooms.
     */
    List<RoomPlan> rooms(double offeredLoad, int capacity, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        double meanGap = 1 / arrivalsPerMilli(offeredLoad, capacity);
        List<RoomPlan> rooms = new ArrayList<>(count);
        double at = 0;
        for (int i = 0; i < count; i++) {
            at += exponential(random, meanGap);
            rooms.add(room("r" + i, Math.round(at), random));
        }
        return rooms;
    }

    private RoomPlan room(String id, long start, SplittableRandom random) {
        int size = random.nextDouble() < shape.fullShare() ? shape.maxSize()
                : shape.minSize() + random.nextInt(shape.maxSize() - shape.minSize());
        long end = start + shape.minLifeMillis() + (long) (random.nextDouble()
                * (shape.maxLifeMillis() - shape.minLifeMillis()));
        List<RoomPlan.Seat> seats = new ArrayList<>(size);
        for (int s = 0; s < size; s++) {
            String player = id + "p" + s;
            if (random.nextDouble() < shape.noShowShare()) {
                seats.add(new RoomPlan.Seat(player, false, 0, 0));
                continue;
            }
            long delay = random.nextDouble() < shape.lateShare()
                    ? shape.lateMinMillis() + (long) (random.nextDouble()
                            * (shape.lateMaxMillis() - shape.lateMinMillis()))
                    : Math.min(shape.lateMaxMillis(),
                            Math.round(exponential(random, (double) shape.promptMeanMillis())));
            long join = start + delay;
            long leave = random.nextDouble() < shape.earlyLeaveShare()
                    ? join + (long) (random.nextDouble() * (end - join)) : end;
            seats.add(new RoomPlan.Seat(player, true, join, Math.max(leave, join + 1)));
        }
        return new RoomPlan(id, start, size, end, seats);
    }

    private static double exponential(SplittableRandom random, double mean) {
        return -mean * Math.log(1 - random.nextDouble());
    }
}
