package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.ServerState;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HaproxyStatusTest {

    /** Every status seen from HAProxy 2.6.12 in the captured answers, plus the ones of src/stats.c not captured. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "UP | UP",
                "UP 2/3 | UP",
                "UP 1/3 | UP",
                "no check | UP",
                "OPEN | UP",
                "DRAIN | DRAIN",
                "DRAIN 1/3 | DRAIN",
                "DRAIN (agent) | DRAIN",
                "NOLB | DRAIN",
                "NOLB 1/2 | DRAIN",
                "DOWN | DOWN",
                "DOWN 1/2 | DOWN",
                "DOWN (agent) | DOWN",
                "MAINT | MAINT",
                "MAINT (via be_checked/up1) | MAINT",
                "MAINT (resolution) | MAINT",
            })
    void mapsHaproxyStatuses(String status, ServerState state) {
        assertThat(HaproxyStatus.toState(status)).contains(state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "up", "UPPER", "no", "STOPPED", " UP"})
    void knowsNothingElse(String status) {
        assertThat(HaproxyStatus.toState(status)).isEqualTo(Optional.empty());
    }
}
