package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.kit.ProjectLayout;
import io.roomrouter.kit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared suite's floor against a real redis-server: it measures round trips, and says when its probe died. */
class PingFloorIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void measuresRoundTripsToARealRedisAndFailsOnceItsProbeHasDied(@TempDir Path dir) throws Exception {
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"));
                PingFloor floor = PingFloor.start(ProjectLayout.locate().root(), redis.address(),
                        dir.resolve("ping-probe.log"))) {
            long from = System.currentTimeMillis();
            PingLatency latency = awaitPings(floor, from, 100);
            assertThat(latency.count()).isGreaterThanOrEqualTo(100);
            assertThat(latency.roundTripMillis(50)).isPositive().isLessThan(1_000);

            redis.kill();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline && floor.isAlive()) {
                Thread.sleep(50);
            }
            assertThatThrownBy(() -> floor.addBetween(from, System.currentTimeMillis(), new PingLatency()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ping probe: exited")
                    .hasMessageContaining("ping probe stopped: java."); // the connection reset or closed
        }
    }

    // Its JVM starts first: a few hundred milliseconds before the first ping.
    private static PingLatency awaitPings(PingFloor floor, long from, long pings) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        PingLatency latency = new PingLatency();
        while (latency.count() < pings && System.nanoTime() < deadline) {
            Thread.sleep(100);
            latency = new PingLatency();
            floor.addBetween(from, System.currentTimeMillis(), latency);
        }
        return latency;
    }
}
