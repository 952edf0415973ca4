package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class RedisReconcilerTest {
    private final List<List<RedisReconciler.Claim>> steps = new ArrayList<>();
    private final List<RedisReconciler.Outcome> outcomes = new ArrayList<>();
    private boolean failNext;

    // Redis as the fake has it: rooms named "lost*" it lacks, "moved*" it has on s9, the rest where claimed.
    private CompletableFuture<List<Object>> run(String backend, List<RedisReconciler.Claim> claims) {
        steps.add(claims);
        if (failNext) {
            failNext = false;
            return CompletableFuture.failedFuture(new IllegalStateException("OOM command not allowed"));
        }
        List<Object> reply = new ArrayList<>();
        for (RedisReconciler.Claim claim : claims) {
            assertThat(claim.backend()).isEqualTo(backend);
            if (claim.room().startsWith("lost")) {
                reply.addAll(List.of("adopted", claim.server(), "1"));
            } else if (claim.room().startsWith("moved")) {
                reply.addAll(List.of("conflict", "s9", "2"));
            } else {
                reply.addAll(List.of("kept", claim.server(), "3"));
            }
        }
        return CompletableFuture.completedFuture(reply);
    }

    private static List<RedisReconciler.Claim> claims(String backend, String prefix, int count) {
        List<RedisReconciler.Claim> claims = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            claims.add(new RedisReconciler.Claim(backend, prefix + i, "s1", 4));
        }
        return claims;
    }

    @Test
    void offersEveryRoomInStepsOfOneBackendOneAfterAnotherAndCountsWhatRedisDid() {
        List<RedisReconciler.Claim> all = new ArrayList<>(claims("be_a", "lost", 300));
        all.addAll(claims("be_b", "moved", 2));
        all.addAll(claims("be_a", "kept", 10));
        RedisReconciler reconciler = new RedisReconciler(all, this::run, outcomes::add);

        Reconciliation result = reconciler.resume().join();

        assertThat(result).isEqualTo(new Reconciliation(300, 10, 2));
        assertThat(result.total()).isEqualTo(312);
        assertThat(steps).extracting(List::size).containsExactly(RedisReconciler.ROOMS_PER_STEP, 310 - 256, 2);
        assertThat(outcomes).hasSize(312);
        assertThat(outcomes).filteredOn(o -> o.kind() == RedisReconciler.Kind.CONFLICT)
                .allSatisfy(o -> assertThat(o.server()).isEqualTo("s9"));
        assertThat(reconciler.remaining()).isZero();
    }

    @Test
    void aFailedStepStopsTheRunAndResumingOffersWhatWasLeftOnce() {
        // The second step fails: the first's rooms are done, the rest stays to do.
        RedisReconciler reconciler = new RedisReconciler(claims("be_a", "lost", 600), (backend, claims) -> {
            if (steps.size() == 1) {
                failNext = true;
            }
            return run(backend, claims);
        }, outcomes::add);
        assertThat(reconciler.resume()).isCompletedExceptionally();
        assertThat(reconciler.remaining()).isEqualTo(600 - 256);

        Reconciliation result = reconciler.resume().join();
        assertThat(result).isEqualTo(new Reconciliation(600, 0, 0));
        assertThat(result.total()).isEqualTo(600);
        assertThat(outcomes).hasSize(600);
        assertThat(outcomes.stream().map(o -> o.claim().room()).distinct()).hasSize(600);
    }

    @Test
    void anUnreadableReplyFailsItsStepWhichStaysToDo() {
        RedisReconciler reconciler = new RedisReconciler(claims("be_a", "lost", 3), (backend, claims) -> {
            steps.add(claims);
            return CompletableFuture.completedFuture(
                    List.of("adopted", "s1", "1", "lost", "s1", "1", "kept", "s1", "1"));
        }, outcomes::add);

        assertThat(reconciler.resume()).failsWithin(Duration.ZERO)
                .withThrowableOfType(ExecutionException.class)
                .withMessageContaining("adopt reply value 3: lost (expected: a Kind)");
        assertThat(outcomes).isEmpty();
        assertThat(reconciler.remaining()).isEqualTo(3);
    }
}
