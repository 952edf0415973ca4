package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisJoinBatcherTest {
    private static final List<ServerStatus> SERVERS = List.of(up("s1", 10), up("s2", 10));
    private static final Duration LONG = Duration.ofSeconds(30);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final FakeRunner runner = new FakeRunner();
    // Time stands still unless a test moves it: the bounds are the timer's, which the tests pass by hand.
    private final AtomicLong nanos = new AtomicLong();

    RedisJoinBatcherTest() {
        timer.setRemoveOnCancelPolicy(true); // a bound called off leaves the queue, where the test looks
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    // Passes every time bound still armed, as if its time had come, on the test's thread: the tests' bounds are
    // LONG, so the timer's own thread never runs them, and no test waits for time to pass.
    private int passBounds() {
        List<Runnable> armed = new ArrayList<>(timer.getQueue());
        for (Runnable bound : armed) {
            timer.remove(bound);
            bound.run();
        }
        return armed.size();
    }

    @Test
    void aLoneJoinGoesOutAtOnceInAStepOfItsOwn() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        assertThat(runner.steps).hasSize(1);
        assertThat(runner.step(0).rooms()).containsExactly("a");
        assertThat(runner.step(0).servers()).isSameAs(SERVERS);
        assertThat(runner.step(0).args()).containsExactly(
                "j", "a", "2", "p", RedisLayout.rendezvousPositions("a", SERVERS), "");

        runner.step(0).answerAll();
        assertThat(a.answers).containsExactly(joined("a"));
        assertThat(a.failures).isEmpty();
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aJoinThatMayNotOpenARoomGoesOutAsTheScriptsExistingOnlyJoin() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded recorded = new Recorded();
        recorded.submit(batcher, RedisJoinBatcher.Entry.join("a", 2, "p", SERVERS, "s1", false, recorded::late));
        assertThat(runner.step(0).args()).containsExactly(
                "n", "a", "2", "p", RedisLayout.rendezvousPositions("a", SERVERS), "s1");

        runner.step(0).answerAll();
        assertThat(recorded.answers).hasSize(1);
    }

    @Test
    void joinsQueuedWhileAStepIsUnderWayGoOutTogetherInOrderWhenItReturns() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        Recorded b = join(batcher, "b");
        Recorded c = touch(batcher, "c");
        Recorded d = join(batcher, "d");
        assertThat(runner.steps).hasSize(1);
        assertThat(batcher.queued()).isEqualTo(3);

        runner.step(0).answerAll();
        assertThat(runner.steps).hasSize(2);
        assertThat(runner.step(1).rooms()).containsExactly("b", "c", "d");
        assertThat(runner.step(1).args()).startsWith("j", "b").contains("t", "c", "7", "p", "");
        assertThat(a.answers).hasSize(1);
        assertThat(b.answers).isEmpty();

        runner.step(1).answerAll();
        // Each entry gets its own slice of its step's reply.
        assertThat(b.answers).containsExactly(joined("b"));
        assertThat(c.answers).containsExactly(new TouchReply(true, false, "c"));
        assertThat(d.answers).containsExactly(joined("d"));
        assertThat(runner.steps).hasSize(2);
    }

    @Test
    void touchesBeyondWhatTheStepsUnderWayHoldAreDroppedAtOnceWhileJoinsStillQueue() {
        RedisJoinBatcher batcher = batcher(1, 2, LONG);
        Recorded first = touch(batcher, "t0"); // goes out at once
        Recorded waiting1 = touch(batcher, "t1");
        Recorded waiting2 = touch(batcher, "t2"); // two touches wait: 1 step x 2 entries
        Recorded dropped = touch(batcher, "t3");
        Recorded joined = join(batcher, "j");

        assertThat(dropped.failures).singleElement().isInstanceOf(RedisJoinBatcher.TouchesBehind.class)
                .satisfies(e -> assertThat(e).hasMessage("touches waiting: 2 (expected: < 2)"));
        assertThat(batcher.droppedTouches()).isEqualTo(1);
        assertThat(batcher.queued()).as("t1, t2 and the join").isEqualTo(3);

        runner.step(0).answerAll();
        assertThat(runner.step(1).rooms()).containsExactly("t1", "t2");
        Recorded later = touch(batcher, "t4"); // no touch waits now
        runner.step(1).answerAll();
        assertThat(runner.step(2).rooms()).containsExactly("j", "t4");
        runner.step(2).answerAll();

        assertThat(List.of(first, waiting1, waiting2, joined, later)).allSatisfy(r -> {
            assertThat(r.answers).hasSize(1);
            assertThat(r.failures).isEmpty();
        });
        assertThat(dropped.answers).isEmpty();
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aStepTakesAtMostTheCapAndTheRestFollowsInOrder() {
        RedisJoinBatcher batcher = batcher(1, 3, LONG);
        for (int i = 0; i < 8; i++) {
            join(batcher, "r" + i);
        }
        for (int i = 0; i < 4; i++) {
            runner.step(i).answerAll();
        }
        assertThat(runner.steps).extracting(Step::rooms).containsExactly(
                List.of("r0"), List.of("r1", "r2", "r3"), List.of("r4", "r5", "r6"), List.of("r7"));
    }

    @Test
    void joinsBeyondTheQueuesBoundAreRefusedAtOnceAndTheOthersStillGoOut() {
        RedisJoinBatcher batcher = new RedisJoinBatcher(runner, timer, LONG, Duration.ZERO, 1, 128, 2, nanos::get);
        Recorded sent = join(batcher, "a"); // goes out at once
        Recorded waiting1 = join(batcher, "b");
        Recorded waiting2 = join(batcher, "c");
        Recorded refused = join(batcher, "d");

        assertThat(refused.failures).singleElement().isInstanceOf(RedisJoinBatcher.JoinsBehind.class)
                .satisfies(e -> assertThat(e).hasMessage("joins waiting for redis: 2 (expected: < 2)"));
        runner.step(0).answerAll();
        runner.step(1).answerAll();
        assertThat(runner.step(1).rooms()).containsExactly("b", "c");
        assertThat(List.of(sent, waiting1, waiting2)).allSatisfy(r -> assertThat(r.answers).hasSize(1));
        assertThat(refused.answers).isEmpty();
    }

    @Test
    void aJoinWhoseBoundPassesWhileItWaitsIsNeverSent() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded sent = join(batcher, "a");
        Recorded expired = join(batcher, "b");
        Recorded touched = touch(batcher, "c");
        assertThat(passBounds()).as("a's and b's").isEqualTo(2);
        assertThat(expired.timedOut.getCount()).isZero();

        runner.step(0).answerAll();
        assertThat(runner.steps).hasSize(2);
        assertThat(runner.step(1).rooms()).containsExactly("c");
        runner.step(1).answerAll();
        assertThat(sent.answers).hasSize(1);
        assertThat(expired.answers).isEmpty();
        assertThat(expired.failures).isEmpty();
        assertThat(touched.answers).hasSize(1);
        assertThat(batcher.queued()).isZero();

        Recorded alone = join(batcher, "d"); // the expired join freed its place: nothing under way, out at once
        assertThat(runner.steps).hasSize(3);
        runner.step(2).answerAll();
        assertThat(alone.answers).hasSize(1);
    }

    @Test
    void keepsAtMostMaxInFlightStepsUnderWay() {
        RedisJoinBatcher batcher = batcher(2, 128, LONG);
        join(batcher, "a");
        join(batcher, "b");
        join(batcher, "c");
        join(batcher, "d");
        assertThat(runner.steps).extracting(Step::rooms).containsExactly(List.of("a"), List.of("b"));

        runner.step(1).answerAll(); // the second returns first: the queue goes out at once
        assertThat(runner.steps).extracting(Step::rooms).containsExactly(List.of("a"), List.of("b"), List.of("c", "d"));
        runner.step(0).answerAll();
        runner.step(2).answerAll();
        join(batcher, "e"); // nothing under way any more: alone, at once
        assertThat(runner.step(3).rooms()).containsExactly("e");
    }

    @Test
    void aFailedStepFailsOnlyItsOwnEntries() {
        RedisJoinBatcher batcher = batcher(2, 128, LONG);
        Recorded a = join(batcher, "a");
        Recorded b = join(batcher, "b");
        Recorded c = join(batcher, "c");
        runner.step(0).reply.completeExceptionally(new IllegalStateException("ERR something"));
        assertThat(a.failures).singleElement().satisfies(e -> assertThat(e).hasMessage("ERR something"));
        assertThat(runner.step(2).rooms()).containsExactly("c");

        runner.step(1).answerAll();
        runner.step(2).answerAll();
        assertThat(b.answers).hasSize(1);
        assertThat(c.answers).hasSize(1);
        assertThat(b.failures).isEmpty();
        assertThat(c.failures).isEmpty();
    }

    @Test
    void aReplyOfTheWrongLengthFailsItsStepAndARunnerThatThrowsToo() {
        RedisJoinBatcher batcher = batcher(1, 1, LONG);
        Recorded a = join(batcher, "a");
        Recorded b = join(batcher, "b");
        Recorded c = join(batcher, "c");
        runner.step(0).reply.complete(List.of("placed", "a", "2"));
        assertThat(a.failures).singleElement()
                .satisfies(e -> assertThat(e).hasMessage("batch reply: 3 values (expected: 8 x 1 entries)"));

        runner.failNext = new IllegalStateException("connection closed");
        runner.step(1).answerAll();
        assertThat(b.answers).hasSize(1);
        // The runner threw while sending c's step: c fails, and the batcher is free for the next join.
        assertThat(c.failures).singleElement().satisfies(e -> assertThat(e).hasMessage("connection closed"));
        Recorded d = join(batcher, "d");
        runner.step(3).answerAll();
        assertThat(d.answers).hasSize(1);
    }

    @Test
    void anEntryWhoseOwnValuesAreNotAReplyOfItsKindFailsAloneWithWhatWasRead() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        join(batcher, "a");
        Recorded b = join(batcher, "b");
        Recorded c = touch(batcher, "c");
        Recorded d = join(batcher, "d");
        runner.step(0).answerAll();
        List<Object> values = new ArrayList<>(joinValues("b"));
        values.addAll(List.of("1", "maybe", "c", "", "", "", "", ""));
        values.addAll(joinValues("d"));
        runner.step(1).reply().complete(values);

        assertThat(b.answers).containsExactly(joined("b"));
        assertThat(c.failures).singleElement().isInstanceOf(ScriptValues.ScriptReplyException.class)
                .satisfies(e -> assertThat(e).hasMessage("touch reply value 1: maybe (expected: 0 or 1)"));
        assertThat(d.answers).containsExactly(joined("d"));
    }

    @Test
    void anEntryWhoseStageThrowsDoesNotKeepTheOthersOfItsStepUnanswered() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        join(batcher, "a");
        Recorded bad = join(batcher, "bad");
        bad.throwOnAnswer = true;
        Recorded c = join(batcher, "c");
        runner.step(0).answerAll();
        runner.step(1).answerAll();
        assertThat(bad.answers).hasSize(1);
        assertThat(c.answers).hasSize(1);
    }

    @Test
    void eachJoinHasItsOwnTimeBoundAndStillGetsTheLateAnswer() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        Recorded t = touch(batcher, "t");
        assertThat(passBounds()).as("touches have no time bound").isEqualTo(1);
        assertThat(a.timedOut.getCount()).isZero();
        assertThat(a.answers).isEmpty();
        assertThat(a.reply.isCompletedExceptionally()).isTrue();
        assertThatThrownBy(a.reply::join).hasCauseInstanceOf(RedisJoinBatcher.BoundPassed.class)
                .hasRootCauseMessage("no reply within 30000 ms");

        runner.step(0).answerAll();
        assertThat(a.answers).as("the late answer").hasSize(1);
        assertThat(a.failures).isEmpty();
        Recorded b = join(batcher, "b"); // queued behind t's step, its own bound starts now
        runner.step(1).answerAll();
        assertThat(t.answers).hasSize(1);
        assertThat(t.timedOut.getCount()).as("touches have no time bound").isEqualTo(1);
        runner.step(2).answerAll();
        assertThat(b.answers).hasSize(1);
        assertThat(timer.getQueue()).as("answered within its bound: its bound is called off").isEmpty();
        assertThat(b.timedOut.getCount()).isEqualTo(1);
    }

    @Test
    void aJoinWithOtherServersWaitsForTheNextStepButTouchesGoWithAny() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        List<ServerStatus> sameButBusier = List.of(new ServerStatus("s1", ServerState.UP, 10, 7), up("s2", 10));
        List<ServerStatus> drained = List.of(new ServerStatus("s1", ServerState.DRAIN, 10, 0), up("s2", 10));
        join(batcher, "a");
        join(batcher, "b");
        join(batcher, "c", sameButBusier); // only live connections differ: the script does not read them
        touch(batcher, "t");
        join(batcher, "d", drained);
        join(batcher, "e");
        runner.step(0).answerAll();
        assertThat(runner.step(1).rooms()).containsExactly("b", "c", "t");
        runner.step(1).answerAll();
        assertThat(runner.step(2).rooms()).containsExactly("d");
        assertThat(runner.step(2).servers()).isEqualTo(drained);
        runner.step(2).answerAll();
        assertThat(runner.step(3).rooms()).containsExactly("e");
    }

    @Test
    void aStepOfTouchesOnlyCarriesNoServers() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        touch(batcher, "t");
        assertThat(runner.step(0).servers()).isEmpty();
    }

    @Test
    void joinsFromSeveralThreadsAreEachAnsweredOnceAndKeepEachThreadsOrder() throws Exception {
        // A runner that answers every step on another thread, as Lettuce does. One step under way at a time: with
        // two, two threads may each send one, and the step taken second can reach the runner first (steps are taken
        // in order under the lock and sent outside it), so only the entries' order within the queue is kept.
        ExecutorService redis = Executors.newSingleThreadExecutor();
        ExecutorService callers = Executors.newFixedThreadPool(4);
        ConcurrentLinkedQueue<List<String>> steps = new ConcurrentLinkedQueue<>();
        RedisJoinBatcher batcher = new RedisJoinBatcher((servers, entries) -> {
            List<String> rooms = entries.stream().map(RedisJoinBatcher.Entry::room).toList();
            steps.add(rooms);
            return CompletableFuture.supplyAsync(() -> replyFor(entries), redis);
        }, timer, LONG, Duration.ZERO, 1, 16, 4 * 2_000, nanos::get);
        int perThread = 2_000;
        CountDownLatch done = new CountDownLatch(4 * perThread);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        try {
            for (int t = 0; t < 4; t++) {
                String thread = "t" + t + "-";
                callers.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String room = thread + i;
                        batcher.submit(RedisJoinBatcher.Entry.join(room, 2, "p", SERVERS, "", reply -> { }))
                                .thenAccept(reply -> {
                                    if (!reply.server().equals(room)) {
                                        wrong.add(room + " got " + reply);
                                    }
                                    done.countDown();
                                });
                    }
                });
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            callers.shutdown();
            redis.shutdown();
        }
        assertThat(wrong).isEmpty();
        List<String> sent = steps.stream().flatMap(List::stream).toList();
        assertThat(sent).hasSize(4 * perThread).doesNotHaveDuplicates();
        assertThat(steps).allSatisfy(step -> assertThat(step).hasSizeLessThanOrEqualTo(16));
        for (int t = 0; t < 4; t++) {
            String thread = "t" + t + "-";
            assertThat(sent.stream().filter(room -> room.startsWith(thread)).map(room -> room.substring(3))
                    .map(Integer::valueOf).toList()).isSorted();
        }
        System.out.printf("4 threads x %d joins: %d steps%n", perThread, steps.size());
    }

    @Test
    void rejectsBoundsThatCannotWork() {
        assertThatThrownBy(
                () -> new RedisJoinBatcher(runner, timer, Duration.ZERO, Duration.ZERO, 1, 1, 1, nanos::get))
                .hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(
                () -> new RedisJoinBatcher(runner, timer, LONG, Duration.ofMillis(-1), 1, 1, 1, nanos::get))
                .hasMessage("touchDelay: PT-0.001S (expected: >= 0)");
        assertThatThrownBy(() -> new RedisJoinBatcher(runner, timer, LONG, Duration.ZERO, 0, 1, 1, nanos::get))
                .hasMessage("maxInFlight: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new RedisJoinBatcher(runner, timer, LONG, Duration.ZERO, 1, 0, 1, nanos::get))
                .hasMessage("maxEntries: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new RedisJoinBatcher(runner, timer, LONG, Duration.ZERO, 1, 1, 0, nanos::get))
                .hasMessage("maxQueuedJoins: 0 (expected: >= 1)");
    }

    @Test
    void touchesWaitForTheirDelayThenGoOutTogether() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG, LONG);
        Recorded a = touch(batcher, "a");
        Recorded b = touch(batcher, "b");
        assertThat(runner.steps).as("nobody waits for a touch").isEmpty();
        assertThat(timer.getQueue()).as("one flush for both").hasSize(1);

        assertThat(passBounds()).isEqualTo(1); // the delay passes
        assertThat(runner.step(0).rooms()).containsExactly("a", "b");

        Recorded c = touch(batcher, "c");
        assertThat(passBounds()).as("a flush armed again").isEqualTo(1);
        assertThat(runner.steps).as("the only step allowed is under way").hasSize(1);
        runner.step(0).answerAll();
        assertThat(runner.step(1).rooms()).as("taken when that step returned").containsExactly("c");
        runner.step(1).answerAll();
        assertThat(List.of(a, b, c)).allSatisfy(r -> assertThat(r.answers).hasSize(1));
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aBoundThatFiresLateGivesTheJoinWhatItsThreadLostOnceAndRedisCanStillAnswerIt() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        nanos.set(LONG.plusSeconds(20).toNanos()); // the timer's thread ran 20 s after the bound was due

        assertThat(passBounds()).isEqualTo(1);
        assertThat(a.reply).as("extended, not passed").isNotDone();
        assertThat(batcher.extendedBounds()).isEqualTo(1);
        assertThat(timer.getQueue()).as("by what was lost, at most half the timeout: 15 s").singleElement()
                .satisfies(bound -> assertThat(((ScheduledFuture<?>) bound).getDelay(TimeUnit.MILLISECONDS))
                        .isBetween(14_000L, 15_000L));
        runner.step(0).answerAll();
        assertThat(a.answers).containsExactly(joined("a"));
        assertThat(a.timedOut.getCount()).isEqualTo(1);
        assertThat(timer.getQueue()).as("called off").isEmpty();
    }

    @Test
    void anExtendedBoundThatPassesAgainAnswersWithoutRedisAndTheLateReplyStillComes() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        nanos.set(LONG.plusSeconds(20).toNanos());

        assertThat(passBounds()).as("extended").isEqualTo(1);
        assertThat(passBounds()).as("passed: no second extension").isEqualTo(1);
        assertThat(batcher.extendedBounds()).isEqualTo(1);
        assertThat(a.timedOut.getCount()).isZero();
        assertThat(timer.getQueue()).isEmpty();
        runner.step(0).answerAll();
        assertThat(a.answers).as("the late reply").containsExactly(joined("a"));
    }

    @Test
    void aBoundThatFiresOnTimeIsNotExtended() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        nanos.set(LONG.toNanos() + RedisJoinBatcher.STALL_NOTICED_NANOS - 1); // a timer's usual slack

        assertThat(passBounds()).isEqualTo(1);
        assertThat(batcher.extendedBounds()).isZero();
        assertThat(a.timedOut.getCount()).isZero();
        assertThat(timer.getQueue()).isEmpty();
    }

    @Test
    void aStepsWorthOfTouchesGoesOutWithoutWaitingForTheDelaySoThatFastCacheHitsAreNeverDropped() {
        RedisJoinBatcher batcher = batcher(2, 4, LONG, LONG);
        List<Recorded> touches = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            touches.add(touch(batcher, "t" + i));
        }
        // 4 and 8 touches: a step each, at once; the last 4 wait for the first step under way to return.
        assertThat(runner.steps).hasSize(2);
        assertThat(runner.step(0).rooms()).containsExactly("t0", "t1", "t2", "t3");
        assertThat(runner.step(1).rooms()).containsExactly("t4", "t5", "t6", "t7");
        assertThat(batcher.droppedTouches()).isZero();

        runner.step(0).answerAll();
        assertThat(runner.step(2).rooms()).containsExactly("t8", "t9", "t10", "t11");
        runner.step(1).answerAll();
        runner.step(2).answerAll();
        assertThat(touches).allSatisfy(r -> {
            assertThat(r.answers).hasSize(1);
            assertThat(r.failures).isEmpty();
        });
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aJoinTakesTheTouchesQueuedBeforeItWithoutWaitingForTheirDelay() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG, LONG);
        Recorded a = touch(batcher, "a");
        Recorded b = join(batcher, "b");
        assertThat(runner.step(0).rooms()).containsExactly("a", "b");
        runner.step(0).answerAll();
        assertThat(List.of(a, b)).allSatisfy(r -> assertThat(r.answers).hasSize(1));

        assertThat(passBounds()).as("the touches' flush, the join's bound called off").isEqualTo(1);
        assertThat(runner.steps).as("nothing left for the flush").hasSize(1);
    }

    @Test
    void aReleaseGoesOutAloneOnceWhatWasQueuedBeforeItHasGoneOut() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded a = join(batcher, "a");
        Recorded b = join(batcher, "b");
        Recorded released = release(batcher, "b");
        Recorded c = join(batcher, "c");
        Recorded d = touch(batcher, "d");
        assertThat(batcher.queued()).isEqualTo(4);

        runner.step(0).answerAll();
        assertThat(runner.step(1).rooms()).as("stops before the release").containsExactly("b");
        runner.step(1).answerAll();
        assertThat(runner.step(2).entries()).singleElement().satisfies(entry -> {
            assertThat(entry.isRelease()).isTrue();
            assertThat(entry.room()).isEqualTo("b");
        });
        assertThat(released.answers).isEmpty();

        runner.step(2).reply().complete(List.of("1"));
        assertThat(released.answers).containsExactly(new ReleaseReply(true));
        assertThat(runner.step(3).rooms()).as("what came after the release").containsExactly("c", "d");
        runner.step(3).answerAll();
        assertThat(List.of(a, b, c, d)).allSatisfy(r -> assertThat(r.answers).hasSize(1));
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aReleaseWaitsForTheStepsUnderWayToReturnNotOnlyToBeTaken() {
        RedisJoinBatcher batcher = batcher(2, 128, LONG);
        Recorded a = join(batcher, "a");
        Recorded released = release(batcher, "a");
        assertThat(runner.steps).as("a step is free, but the join's step is under way").hasSize(1);
        assertThat(batcher.queued()).isEqualTo(1);
        Recorded b = join(batcher, "b");
        assertThat(runner.steps).as("behind the release").hasSize(1);

        runner.step(0).answerAll();
        assertThat(runner.step(1).entries()).singleElement().satisfies(entry -> assertThat(entry.isRelease()).isTrue());
        runner.step(1).reply().complete(List.of("1"));
        assertThat(runner.step(2).rooms()).containsExactly("b");
        runner.step(2).answerAll();
        assertThat(List.of(a, released, b)).allSatisfy(r -> assertThat(r.answers).hasSize(1));
        assertThat(batcher.queued()).isZero();
    }

    @Test
    void aReleaseReplyThatIsNotOneValueFailsTheRelease() {
        RedisJoinBatcher batcher = batcher(1, 128, LONG);
        Recorded released = release(batcher, "r");

        runner.step(0).reply().complete(List.of("1", "2"));
        assertThat(released.answers).isEmpty();
        assertThat(released.failures).singleElement()
                .satisfies(e -> assertThat(e).hasMessage("release reply: [1, 2] (expected: one value)"));
    }

    private RedisJoinBatcher batcher(int maxInFlight, int maxEntries, Duration timeout) {
        return batcher(maxInFlight, maxEntries, timeout, Duration.ZERO);
    }

    private RedisJoinBatcher batcher(int maxInFlight, int maxEntries, Duration timeout, Duration touchDelay) {
        return new RedisJoinBatcher(runner, timer, timeout, touchDelay, maxInFlight, maxEntries, 64, nanos::get);
    }

    private static Recorded join(RedisJoinBatcher batcher, String room) {
        return join(batcher, room, SERVERS);
    }

    private static Recorded join(RedisJoinBatcher batcher, String room, List<ServerStatus> servers) {
        Recorded recorded = new Recorded();
        return recorded.submit(batcher, RedisJoinBatcher.Entry.join(room, 2, "p", servers, "", recorded::late));
    }

    private static Recorded release(RedisJoinBatcher batcher, String room) {
        return new Recorded().submit(batcher, RedisJoinBatcher.Entry.release(room));
    }

    private static Recorded touch(RedisJoinBatcher batcher, String room) {
        return new Recorded().submit(batcher, RedisJoinBatcher.Entry.touch(room, "7", "p"));
    }

    /**
     * Eight values per entry, as the script answers them, its room in them (a join's server, a touch's fallback), so
     * that each entry can tell its own slice.
     */
    private static List<Object> replyFor(List<RedisJoinBatcher.Entry<?>> entries) {
        List<Object> values = new ArrayList<>();
        for (RedisJoinBatcher.Entry<?> entry : entries) {
            values.addAll(entry.isTouch() ? touchValues(entry.room()) : joinValues(entry.room()));
        }
        return values;
    }

    private static List<Object> joinValues(String room) {
        return List.of("placed", room, "least-loaded", "1", "10", "42", "0", "");
    }

    private static List<Object> touchValues(String room) {
        return List.of("1", "0", room, "", "", "", "", "");
    }

    private static JoinReply joined(String room) {
        return JoinReply.of(joinValues(room));
    }

    private static ServerStatus up(String name, int capacity) {
        return new ServerStatus(name, ServerState.UP, capacity, 0);
    }

    private record Step(List<ServerStatus> servers, List<RedisJoinBatcher.Entry<?>> entries,
            CompletableFuture<List<Object>> reply) {
        List<String> rooms() {
            return entries.stream().map(RedisJoinBatcher.Entry::room).toList();
        }

        List<String> args() {
            List<String> args = new ArrayList<>();
            entries.forEach(entry -> entry.addArgs(args));
            return args;
        }

        void answerAll() {
            reply.complete(replyFor(entries));
        }
    }

    /** Steps sent, answered when the test says so. */
    private static final class FakeRunner implements RedisJoinBatcher.StepRunner {
        final List<Step> steps = new ArrayList<>();
        RuntimeException failNext;

        @Override
        public CompletableFuture<List<Object>> run(List<ServerStatus> servers,
                List<RedisJoinBatcher.Entry<?>> entries) {
            Step step = new Step(servers, List.copyOf(entries), new CompletableFuture<>());
            steps.add(step);
            if (failNext != null) {
                RuntimeException failure = failNext;
                failNext = null;
                throw failure;
            }
            return step.reply;
        }

        Step step(int index) {
            return steps.get(index);
        }
    }

    /** What one entry's future and late reply gave. */
    private static final class Recorded {
        final List<Object> answers = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final CountDownLatch timedOut = new CountDownLatch(1);
        CompletableFuture<?> reply;
        boolean throwOnAnswer;

        // Follows the entry's future before it is submitted, as the store does.
        <R> Recorded submit(RedisJoinBatcher batcher, RedisJoinBatcher.Entry<R> entry) {
            CompletableFuture<R> own = entry.reply();
            reply = own;
            own.whenComplete((answer, error) -> {
                if (error instanceof RedisJoinBatcher.BoundPassed) {
                    timedOut.countDown();
                } else if (error != null) {
                    failures.add(error);
                } else {
                    late(answer);
                }
            });
            assertThat(batcher.submit(entry)).isSameAs(reply);
            return this;
        }

        void late(Object answer) {
            answers.add(answer);
            if (throwOnAnswer) {
                throw new IllegalStateException("stage failed");
            }
        }
    }
}
