package io.roomrouter.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousHashTest {
    private static final List<String> THREE = List.of("game1", "game2", "game3");

    @Test
    void spreadsRoomsEvenly() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            counts.merge(RendezvousHash.pick("room-" + i, THREE).orElseThrow(), 1, Integer::sum);
        }
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(9_500, 10_500));
    }

    @Test
    void removingAServerMovesOnlyItsRooms() {
        for (int i = 0; i < 5_000; i++) {
            String room = "room-" + i;
            String before = RendezvousHash.pick(room, THREE).orElseThrow();
            String after = RendezvousHash.pick(room, List.of("game1", "game3")).orElseThrow();
            if (!before.equals("game2")) {
                assertThat(after).isEqualTo(before);
            }
        }
    }

    @Test
    void isStableAcrossRunsAndOrder() {
        // Fixed values (FNV-1a 64 + SplitMix64 finalizer, computed independently): every agent, on every JVM and
        // release, must rank servers the same way.
        assertThat(RendezvousHash.weight("r1", "game1")).isEqualTo(0x1f4a74a5ef0d474bL);
        assertThat(RendezvousHash.weight("room-42", "game3")).isEqualTo(0x8d075e9a89b862b8L);
        assertThat(RendezvousHash.weight(RendezvousHash.seed("room-42"), "game3")).isEqualTo(0x8d075e9a89b862b8L);
        assertThat(RendezvousHash.pick("r1", THREE)).isEqualTo(RendezvousHash.pick("r1", List.of("game3", "game2", "game1")));
        assertThat(RendezvousHash.weight("ab", "c")).isNotEqualTo(RendezvousHash.weight("a", "bc"));
        assertThat(RendezvousHash.pick("r1", List.of())).isEmpty();
    }
}
