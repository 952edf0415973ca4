package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeApiAddressTest {

    @Test
    void parsesAUnixSocket() {
        RuntimeApiAddress address = RuntimeApiAddress.parse("unix:/run/haproxy/admin.sock");

        assertThat(address.isUnixSocket()).isTrue();
        assertThat(address.socketAddress()).isEqualTo(UnixDomainSocketAddress.of(Path.of("/run/haproxy/admin.sock")));
        assertThat(address).hasToString("unix:/run/haproxy/admin.sock");
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1:9999, 127.0.0.1, 9999", "haproxy.local:1, haproxy.local, 1", "[::1]:65535, ::1, 65535"})
    void parsesATcpAddressWithoutResolvingIt(String value, String host, int port) {
        RuntimeApiAddress address = RuntimeApiAddress.parse(value);

        assertThat(address.isUnixSocket()).isFalse();
        InetSocketAddress inet = (InetSocketAddress) address.socketAddress();
        assertThat(inet.isUnresolved()).isTrue();
        assertThat(inet.getHostString()).isEqualTo(host);
        assertThat(inet.getPort()).isEqualTo(port);
        assertThat(address).hasToString(value);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", "unix:", "haproxy", "127.0.0.1", "127.0.0.1:", ":9999", "127.0.0.1:0", "127.0.0.1:65536",
                "127.0.0.1:http", "::1:9999", "[127.0.0.1]:9999", "[::1]9999", "my host:9999"
            })
    void rejectsOtherValuesNamingThemAndWhatIsExpected(String value) {
        assertThatThrownBy(() -> RuntimeApiAddress.parse(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("runtime API address: '" + value + "': ")
                .hasMessageEndingWith("(expected: unix:/path/to/socket, HOST:PORT or [IPV6]:PORT)");
    }

    @Test
    void explainsWhatIsWrong() {
        assertThatThrownBy(() -> RuntimeApiAddress.parse("localhost:99999"))
                .hasMessage("runtime API address: 'localhost:99999': port 99999 is not in 1..65535"
                        + " (expected: unix:/path/to/socket, HOST:PORT or [IPV6]:PORT)");
    }
}
