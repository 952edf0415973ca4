package io.roomrouter.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortTest {

    @Test
    void portsComeFromBelowTheEphemeralRangeEachOnceAndFree() throws IOException {
        int below = FreePort.ephemeralStart(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            InetSocketAddress address = FreePort.next();
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            assertThat(address.getPort()).isBetween(FreePort.LOWEST, below - 1);
            assertThat(seen.add(address.getPort())).as("port %d handed out twice", address.getPort()).isTrue();
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(FreePort.next()); // free indeed
        }
    }

    @Test
    void aPortInUseIsPassedOver() throws IOException {
        InetSocketAddress first = FreePort.next();
        try (ServerSocket held = new ServerSocket()) {
            held.bind(first);
            // Once round the whole range, the held port comes again, and is passed over.
            int span = FreePort.ephemeralStart(Path.of("/proc/sys/net/ipv4/ip_local_port_range")) - FreePort.LOWEST;
            for (int i = 0; i < span; i++) {
                assertThat(FreePort.next()).isNotEqualTo(first);
            }
        }
    }

    @Test
    void theEphemeralRangesStartIsReadFromTheKernelsFileOrDefaults(@TempDir Path dir) throws IOException {
        Path range = dir.resolve("ip_local_port_range");
        Files.writeString(range, "40000\t60999\n");
        assertThat(FreePort.ephemeralStart(range)).isEqualTo(40_000);
        Files.writeString(range, "junk");
        assertThat(FreePort.ephemeralStart(range)).isEqualTo(FreePort.EPHEMERAL_DEFAULT);
        assertThat(FreePort.ephemeralStart(dir.resolve("absent"))).isEqualTo(FreePort.EPHEMERAL_DEFAULT);
    }
}
