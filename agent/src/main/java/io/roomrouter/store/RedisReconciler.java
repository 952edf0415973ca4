package io.roomrouter.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * After an interruption, offers Redis the rooms this agent knows ({@link Claim}s), so that Redis keeps them where
 * their players are if it lost them: {@value #ROOMS_PER_STEP} rooms of one backend per script step, one step at a
 * time. Paced so: with 200 000 rooms known, all at once were 200 000 commands queued ahead of every first join.
 *
 * <p>A failed step stops the run with what is left still to do; {@link #resume} goes on from there, so each room
 * is counted once however many attempts it takes. Not thread-safe: one run at a time, on the caller's thread and
 * the threads that complete its steps.
 */
final class RedisReconciler {
    static final int ROOMS_PER_STEP = 256;

    /** A room as this agent knows it: where its players go, and the seats it counts. */
    record Claim(String backend, String room, String server, int size) {}

    /** What Redis did with one claim, and where the room lives now. */
    record Outcome(Claim claim, Kind kind, String server, String epoch) {}

    enum Kind {
        /** Redis lacked the room: it lives on the agent's server now. */
        ADOPTED,
        /** Redis has the room on the same server. */
        KEPT,
        /** Redis has the room on another server, which stands: the agent follows it. */
        CONFLICT
    }

    /** Runs one step: the claims, all of one backend; the reply holds three values per claim. */
    @FunctionalInterface
    interface StepRunner {
        CompletableFuture<List<Object>> run(String backend, List<Claim> claims);
    }

    private final StepRunner runner;
    private final Consumer<Outcome> apply;
    private final ArrayDeque<Claim> remaining;
    private int adopted;
    private int kept;
    private int conflicts;

    /** {@code apply} hears each room's outcome as its step returns. */
    RedisReconciler(Collection<Claim> claims, StepRunner runner, Consumer<Outcome> apply) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.apply = Objects.requireNonNull(apply, "apply");
        List<Claim> sorted = new ArrayList<>(claims);
        sorted.sort(Comparator.comparing(Claim::backend)); // steps of one backend each, as full as they can be
        this.remaining = new ArrayDeque<>(sorted);
    }

    /** Runs steps until every claim is done (the counts), or one fails (the failure; what it held stays to do). */
    CompletableFuture<Reconciliation> resume() {
        if (remaining.isEmpty()) {
            return CompletableFuture.completedFuture(new Reconciliation(adopted, kept, conflicts));
        }
        List<Claim> step = new ArrayList<>(Math.min(ROOMS_PER_STEP, remaining.size()));
        String backend = remaining.peek().backend();
        while (!remaining.isEmpty() && step.size() < ROOMS_PER_STEP && remaining.peek().backend().equals(backend)) {
            step.add(remaining.poll());
        }
        CompletableFuture<List<Object>> reply;
        try {
            reply = runner.run(backend, step);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((values, error) -> {
            List<AdoptReply> replies = null;
            if (error == null) {
                try {
                    replies = AdoptReply.of(values, step.size());
                } catch (RuntimeException e) {
                    error = e;
                }
            }
            if (error != null) {
                step.forEach(remaining::addFirst); // order within a step does not matter
                return CompletableFuture.<Reconciliation>failedFuture(error);
            }
            for (int i = 0; i < step.size(); i++) {
                AdoptReply room = replies.get(i);
                switch (room.kind()) {
                    case ADOPTED -> adopted++;
                    case KEPT -> kept++;
                    case CONFLICT -> conflicts++;
                }
                apply.accept(new Outcome(step.get(i), room.kind(), room.server(), room.epoch()));
            }
            return resume();
        }).thenCompose(next -> next);
    }

    /** Rooms still to offer. */
    int remaining() {
        return remaining.size();
    }
}
