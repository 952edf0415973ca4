package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PingFloorTest {

    @Test
    void countsOnlyThePingsSentInsideTheSpanAndSkipsLinesThatAreNoSample() {
        PingLatency latency = new PingLatency();
        PingFloor.addBetween(List.of(
                "OpenJDK 64-Bit Server VM warning: a line of the JVM's own",
                "999 5000 100", // sent before the span
                "1000 1000 10", // the span's first millisecond
                "1500 2000 20",
                "2000 3000 30", // its last
                "2001 9000 90", // after it
                "2002 40"), // the line the probe was writing when read
                1000, 2000, latency);

        assertThat(latency.count()).isEqualTo(3);
        // the histogram keeps 3 significant digits: a value reads back as the top of its bucket
        assertThat(latency.roundTripMillis(50)).isCloseTo(2.0, within(0.01));
        assertThat(latency.roundTripMillis(100)).isCloseTo(3.0, within(0.01));
        assertThat(latency.lateMillis(100)).isCloseTo(0.03, within(0.001));
    }

    @Test
    void aSpanWithoutPingsHasNoPercentiles() {
        PingLatency latency = new PingLatency();
        PingFloor.addBetween(List.of("10 1000 1"), 20, 30, latency);

        assertThat(latency.count()).isZero();
        assertThat(latency.roundTripMillis(99.9)).isNaN();
    }
}
