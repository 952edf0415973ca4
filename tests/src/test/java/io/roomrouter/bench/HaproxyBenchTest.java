package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HaproxyBenchTest {

    @Test
    void theMedianOfRoundsIgnoresOneSlowRound() {
        assertThat(HaproxyBench.median(List.of(0.71, 0.30, 0.69))).isEqualTo(0.69);
        assertThat(HaproxyBench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    }

    @Test
    void haproxyAloneIsTheReferenceConfigWithoutItsSpoeFilter() {
        String reference = "frontend fe\n    filter spoe engine room-router config spoe.cfg\n    default_backend be\n";

        assertThat(HaproxyBench.withoutSpoe(reference)).isEqualTo("frontend fe\n    default_backend be\n\n");
        assertThatThrownBy(() -> HaproxyBench.withoutSpoe("frontend fe\n"))
                .hasMessageContaining("no 'filter spoe' line");
    }
}
