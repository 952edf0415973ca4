package io.roomrouter.store;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.Reasons;
import io.roomrouter.store.RedisRoomCache.RoomId;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * A first join waiting for its batch step (its {@link RedisJoinBatcher.Entry#reply}): turns Redis's answer into
 * the player's, or answers without Redis when its step fails or its own bound passes first; Redis's late answer
 * then still comes to {@link #answered}, for the cache. It also settles the slot the join took of its client's
 * bound of rooms waiting for players, once.
 */
final class FirstJoin implements BiConsumer<JoinReply, Throwable> {
    /** Redis does not have the room, which HAProxy's table has: the join is placed again with what the table says. */
    @FunctionalInterface
    interface AskTable {
        void place(RoomId id, JoinRequest request, BackendSnapshot backend, CompletableFuture<Placement> out,
                long startMillis);
    }

    /** The answer given without Redis, for why it did not answer. */
    @FunctionalInterface
    interface WithoutRedis {
        Placement answer(JoinRequest request, BackendSnapshot backend, String why);
    }

    /** What the first joins of one store share. */
    record Shared(RedisRoomCache cache, PendingClients pendingClients, RoomBounds bounds, RoomLimitLog limitLog,
            Clock clock, Duration timeout, AskTable askTable, WithoutRedis withoutRedis) {}

    private final Shared shared;
    private final RoomId id;
    private final JoinRequest request;
    private final BackendSnapshot backend;
    private final CompletableFuture<Placement> out;
    private final long startGeneration;
    private final long startMillis;
    /** Whether this join holds a slot of its client's bound, which its outcome converts or gives back. */
    // A timeout and a late answer may come on different threads: the slot is settled once.
    private final AtomicBoolean tookSlot;
    private final boolean claimFromTable;

    /**
     * {@code out} is the player's answer; {@code claimFromTable} when the join claims where HAProxy's table has the
     * room, which the answer's reason then says.
     */
    FirstJoin(Shared shared, RoomId id, JoinRequest request, BackendSnapshot backend, CompletableFuture<Placement> out,
            long startGeneration, long startMillis, boolean tookSlot, boolean claimFromTable) {
        this.shared = shared;
        this.tookSlot = new AtomicBoolean(tookSlot);
        this.claimFromTable = claimFromTable;
        this.id = id;
        this.request = request;
        this.backend = backend;
        this.out = out;
        this.startGeneration = startGeneration;
        this.startMillis = startMillis;
    }

    @Override
    public void accept(JoinReply reply, Throwable error) {
        if (error == null) {
            answered(reply);
        } else if (error instanceof ScriptValues.ScriptReplyException) {
            answerWithoutRedis("redis reply unreadable: " + RedisScript.describe(error));
        } else if (error instanceof RedisJoinBatcher.BoundPassed) {
            answerWithoutRedis("redis did not answer within " + shared.timeout().toMillis() + " ms");
        } else {
            answerWithoutRedis("redis failed: " + RedisScript.describe(error));
        }
    }

    /** Redis's answer, in time or late (its late reply). */
    void answered(JoinReply reply) {
        if (reply.unknownRoom()) {
            giveBackSlot(); // taken again when the join is submitted with what the table says
            shared.askTable().place(id, request, backend, out, startMillis);
            return;
        }
        JoinReply answer = reply.namedAs(backend);
        if (claimFromTable && answer.reason().equals(Reasons.CLAIMED)) {
            answer = answer.withReason(Reasons.ADOPTED);
        }
        if (answer.decision() == Decision.PLACED) {
            roomOpened(answer.epoch());
        } else {
            giveBackSlot();
        }
        Placement placement = answer.decision() == Decision.REJECTED
                ? Placement.rejected(shared.bounds().clientReason()) : answer.placement();
        if (answer.decision() == Decision.FULL && answer.reason().startsWith(Reasons.ROOM_LIMIT_PREFIX)) {
            shared.limitLog().refused(id.backend(), shared.bounds().maxRooms());
        }
        // Remember before completing: the caller's next join of this room may run as soon as it completes.
        if (!out.isDone()) {
            shared.cache().remember(id, answer, request.size(), startGeneration, startMillis);
        }
        if (!out.complete(placement)) {
            shared.cache().lateReply(id, answer, request, out.join(), startGeneration, startMillis);
        }
    }

    // Once per join (a timeout and a late answer may race): its slot becomes a room its client holds...
    private void roomOpened(String epoch) {
        if (tookSlot.compareAndSet(true, false)) {
            shared.pendingClients().opened(request.client().get(), id, epoch, startMillis);
        }
    }

    // ...or is given back.
    private void giveBackSlot() {
        if (tookSlot.compareAndSet(true, false)) {
            shared.pendingClients().cancel(request.client().get(), shared.clock().millis());
        }
    }

    private void answerWithoutRedis(String why) {
        giveBackSlot();
        if (!out.isDone()) {
            out.complete(shared.withoutRedis().answer(request, backend, why));
        }
    }
}
