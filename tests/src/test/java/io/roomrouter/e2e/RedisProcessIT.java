package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.RedisProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class RedisProcessIT {

    @Test
    void answersPingUntilClosed(TestInfo test) throws InterruptedException {
        RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
        try (redis) {
            assertThat(redis.ping()).isTrue();
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.address().getPort());
        }
        assertThat(redis.ping()).isFalse();
    }
}
