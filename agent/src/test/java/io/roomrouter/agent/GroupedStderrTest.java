package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GroupedStderrTest {

    @Test
    void holdsLinesThroughTheFlushesSlf4jAsksForUntilFlushedNow() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GroupedStderr stderr = new GroupedStderr(out);

        stderr.println("room=r1 decision=placed");
        stderr.flush();
        stderr.println("room=r1 decision=sticky");
        stderr.flush();
        assertThat(out.size()).isZero();

        stderr.flushNow();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("room=r1 decision=placed" + System.lineSeparator()
                        + "room=r1 decision=sticky" + System.lineSeparator());
    }

    @Test
    void writesOnWhenItsBufferIsFull() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GroupedStderr stderr = new GroupedStderr(out);

        String line = "x".repeat(1023);
        for (int i = 0; i < 100; i++) {
            stderr.println(line);
        }

        assertThat(out.size()).isGreaterThanOrEqualTo(64 * 1024).isLessThan(100 * 1024);
    }
}
