package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeApiClientTest {
    @TempDir
    Path dir;

    @Test
    void sendsOneLineAndReadsTheWholeAnswerUntilHaproxyCloses() throws IOException {
        String stat = Fixtures.showStat("live-connections");
        try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"))) {
            server.answer(stat);
            RuntimeApiClient client = new RuntimeApiClient(RuntimeApiAddress.parse("unix:" + dir.resolve("admin.sock")));

            assertThat(client.execute("show stat")).isEqualTo(stat);
            assertThat(server.commands()).containsExactly("show stat\n");
        }
    }

    @Test
    void failsNamingTheAddressAndCommandWhenNothingListens() {
        String address = "unix:" + dir.resolve("missing.sock");
        RuntimeApiClient client = new RuntimeApiClient(RuntimeApiAddress.parse(address));

        assertThatThrownBy(() -> client.execute("show stat"))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("runtime API " + address + ": 'show stat' failed: ");
    }

    @Test
    void failsWhenNoAnswerComesWithinTheTimeout() throws IOException {
        try (OneCommandServer server = new OneCommandServer(dir.resolve("admin.sock"))) {
            RuntimeApiClient client = new RuntimeApiClient(
                    RuntimeApiAddress.parse("unix:" + dir.resolve("admin.sock")), Duration.ofMillis(200));
            long start = System.nanoTime();

            assertThatThrownBy(() -> client.execute("show stat"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("read timed out after 200 ms")
                    .hasCauseInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(server.commands()).containsExactly("show stat\n");
        }
    }

    @Test
    void rejectsACommandThatIsNotOneLine() {
        RuntimeApiClient client = new RuntimeApiClient(RuntimeApiAddress.parse("127.0.0.1:9999"));

        assertThatThrownBy(() -> client.execute("show stat\nshow info"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command: 'show stat\nshow info' (expected: one non-empty line)");
        assertThatThrownBy(() -> client.execute("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsANonPositiveTimeout() {
        assertThatThrownBy(() -> new RuntimeApiClient(RuntimeApiAddress.parse("127.0.0.1:9999"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout: PT0S (expected: > 0)");
    }
}
