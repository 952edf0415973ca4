package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentDecisionsTest {

    @Test
    void keepsTheLastDecisionsNewestFirstAndNoMore() {
        RecentDecisions recent = new RecentDecisions();
        assertThat(recent.newestFirst()).isEmpty();
        for (int i = 0; i < RecentDecisions.CAPACITY + 10; i++) {
            recent.add(new RecentDecisions.Recent(1000 + i / 8, "r" + i, "be", // 8 a millisecond
                    Placement.routed(Decision.PLACED, "s1", "least-loaded", 1, 10), 5));
        }

        List<RecentDecisions.Recent> kept = recent.newestFirst();

        assertThat(recent.count()).isEqualTo(RecentDecisions.CAPACITY + 10);
        assertThat(kept).hasSize(RecentDecisions.CAPACITY);
        assertThat(kept.get(0).room()).isEqualTo("r" + (RecentDecisions.CAPACITY + 9));
        assertThat(kept.get(kept.size() - 1).room()).isEqualTo("r10");
        for (int i = 1; i < kept.size(); i++) { // newest first, within one millisecond too
            assertThat(kept.get(i).room()).isEqualTo("r" + (RecentDecisions.CAPACITY + 9 - i));
        }
    }
}
