package io.roomrouter.store;

import static io.roomrouter.store.FakeInventory.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.haproxy.TableLookup;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.placement.TableHint;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A room whose players HAProxy routed while no agent answered for it (a proxy whose agent alone was away hashed
 * it; peers shared its table entry), joined through an agent on Redis that does not know it: HAProxy says its table
 * has the room ({@code in_table}), Redis says it does not, and the agent asks the table and keeps the room where its
 * players are. A room Redis has costs no table lookup, nor does one the table does not have. A real redis-server; the
 * table is a fake that records what it is asked.
 */
class RedisTableHintIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(5), Duration.ofSeconds(30));
    private static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    /** A stick table with fixed entries that records each room it is asked about. */
    private static final class RecordingTable implements StickTable {
        final List<String> asked = new CopyOnWriteArrayList<>();
        private final Map<String, String> servers;
        volatile boolean silent;

        RecordingTable(Map<String, String> servers) {
            this.servers = servers;
        }

        @Override
        public CompletionStage<TableLookup> find(String backend, String room) {
            asked.add(room);
            if (silent) {
                return CompletableFuture.completedFuture(TableLookup.NO_ANSWER);
            }
            return CompletableFuture.completedFuture(Optional.ofNullable(servers.get(room))
                    .map(server -> TableLookup.found(new StuckRoom(room, server, 100, OptionalInt.empty())))
                    .orElse(TableLookup.ABSENT));
        }

        @Override
        public void forget(String backend, String room) {}
    }

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    // Each test its own keys: the loads and holds one test's agents left in Redis are not the next one's.
    private final String prefix = "hint" + PREFIXES.incrementAndGet();

    @AfterAll
    static void stopLoops() {
        LOOPS.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aRoomRedisLacksAndTheTableHasStaysWhereTheTableHasIt() {
        Clock clock = Clock.systemUTC();
        // s3 is the least loaded: a room placed anew goes there.
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 40), up("s2", 100, 30), up("s3", 100, 0),
                new ServerStatus("s4", ServerState.MAINT, 100, 0));
        RecordingTable table = new RecordingTable(Map.of("hashed", "s1", "on-maint", "s4", "placed", "s2"));
        try (RedisRoomStore other = store(view, "other", clock, StickTable.NONE);
                RedisRoomStore store = store(view, "this", clock, table)) {
            // Placed through the other proxy's agent: Redis has it on s3, the table (say a stale entry) on s2.
            assertThat(join(other, view, "placed", "p1", TableHint.NOT_IN_TABLE).server()).contains("s3");

            Placement hashed = join(store, view, "hashed", "p2", TableHint.IN_TABLE);
            assertThat(hashed.decision()).isEqualTo(Decision.STICKY);
            assertThat(hashed.server()).contains("s1");
            assertThat(hashed.reason()).isEqualTo(Reasons.ADOPTED);
            // Redis has it now: another agent that never saw it finds it there, without a table.
            assertThat(join(other, view, "hashed", "p3", TableHint.IN_TABLE).server()).contains("s1");

            Placement placed = join(store, view, "placed", "p2", TableHint.IN_TABLE);
            assertThat(placed.server()).contains("s3");
            assertThat(placed.reason()).isEqualTo(Reasons.STICKY);

            // The table's server takes no rooms: the room is placed as a new one.
            Placement onMaint = join(store, view, "on-maint", "p1", TableHint.IN_TABLE);
            assertThat(onMaint.decision()).isEqualTo(Decision.PLACED);
            assertThat(onMaint.server()).contains("s3");

            assertThat(join(store, view, "new", "p1", TableHint.NOT_IN_TABLE).decision()).isEqualTo(Decision.PLACED);
            assertThat(join(store, view, "unsaid", "p1", TableHint.NOT_SENT).decision()).isEqualTo(Decision.PLACED);
            // Asked only of rooms HAProxy's table had and Redis did not.
            assertThat(table.asked).containsExactly("hashed", "on-maint");
        }
    }

    @Test
    void aRoomTheTableHintsAtButDoesNotHaveIsPlaced() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 40), up("s2", 100, 0));
        RecordingTable table = new RecordingTable(Map.of()); // the entry expired between the hint and the lookup
        try (RedisRoomStore store = store(view, "this", clock, table)) {
            Placement placed = join(store, view, "gone", "p1", TableHint.IN_TABLE);
            assertThat(placed.decision()).isEqualTo(Decision.PLACED);
            assertThat(placed.server()).contains("s2");
            assertThat(table.asked).containsExactly("gone");
        }
    }

    @Test
    void aRoomTheTableHasButDoesNotTellOfInTimeIsRefusedForARetryNotPlaced() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 40), up("s2", 100, 0));
        RecordingTable table = new RecordingTable(Map.of("slow", "s1"));
        try (RedisRoomStore store = store(view, "this", clock, table)) {
            table.silent = true;
            Placement refused = join(store, view, "slow", "p1", TableHint.IN_TABLE);
            assertThat(refused.decision()).isEqualTo(Decision.RETRY);
            assertThat(refused.reason()).isEqualTo(Reasons.TABLE_NOT_READ);

            table.silent = false; // the player's retry
            Placement adopted = join(store, view, "slow", "p1", TableHint.IN_TABLE);
            assertThat(adopted.server()).contains("s1");
            assertThat(adopted.reason()).isEqualTo(Reasons.ADOPTED);
        }
    }

    private RedisRoomStore store(FakeInventory view, String agent, Clock clock, StickTable table) {
        return RedisRoomStore.start(new RedisSettings(redis.uri(), prefix, Duration.ofSeconds(1)), LIFETIMES,
                RoomBounds.NONE, view, agent, clock, LOOPS.next(), RedisObserver.NONE, table);
    }

    private static Placement join(RedisRoomStore store, FakeInventory view, String room, String player,
            TableHint hint) {
        return store.join(new JoinRequest(room, BE, 10, Optional.of(player), Optional.empty(), hint), view.snapshot())
                .toCompletableFuture().join();
    }
}
