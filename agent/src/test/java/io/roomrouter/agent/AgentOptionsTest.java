package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {

    @Test
    void defaultsAreLoopbackAndTenPlayerRooms() {
        AgentOptions options = AgentOptions.parse("--haproxy-api", "unix:/run/haproxy/admin.sock");

        assertThat(options.listen()).isEqualTo(new HostAndPort("127.0.0.1", 12345));
        assertThat(options.roomSize()).isEqualTo(10);
        assertThat(options.serverCapacity()).isEqualTo(100);
        assertThat(options.roomIdleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(options.stragglerHold()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.redis()).isEmpty();
        assertThat(options.redisTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(options.refreshInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.warmupJoins()).isEqualTo(2000);
        assertThat(options.helloTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(options.maxConnections()).isEqualTo(1000);
    }

    @Test
    void readsEveryFlagInBothForms() {
        AgentOptions options = AgentOptions.parse(
                "--listen=0.0.0.0:9000", "--servers", "be_a=s1,s2", "--servers", "be_b=s3",
                "--server-capacity", "50", "--room-size=4", "--room-idle-timeout", "2h",
                "--reservation-window", "90s", "--straggler-hold", "5s", "--refresh-interval", "500ms",
                "--max-frame-size", "32764",
                "--io-threads", "3", "--redis", "redis://:secret@localhost:6379/0", "--redis-prefix", "game", "--redis-timeout", "15ms",
                "--admin", "[::1]:8080", "--warmup-joins", "0", "--hello-timeout", "2s", "--idle-timeout=45s",
                "--max-connections", "64");

        assertThat(options.listen()).isEqualTo(new HostAndPort("0.0.0.0", 9000));
        assertThat(options.servers()).isEqualTo(List.of("be_a=s1,s2", "be_b=s3"));
        assertThat(options.roomSize()).isEqualTo(4);
        assertThat(options.roomIdleTimeout()).isEqualTo(Duration.ofHours(2));
        assertThat(options.refreshInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.stragglerHold()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.describe()).contains(" reservation-window=90s straggler-hold=5s ");
        assertThat(options.maxFrameSize()).isEqualTo(32764);
        assertThat(options.ioThreads()).isEqualTo(3);
        assertThat(options.admin()).contains(new HostAndPort("::1", 8080));
        assertThat(options.warmupJoins()).isZero();
        assertThat(options.helloTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(options.maxConnections()).isEqualTo(64);
        assertThat(options.describe()).contains(" hello-timeout=2s idle-timeout=45s max-connections=64 ");
        assertThat(options.describe()).contains("redis redis://***@localhost:6379/0").doesNotContain("secret");
    }

    @Test
    void badFlagsNameTheProblem() {
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--room-size", "0"))
                .isInstanceOf(OptionsException.class).hasMessage("--room-size: 0 (expected: 1 to 1000)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--listen", "localhost"))
                .hasMessage("--listen: 'localhost' (expected: HOST:PORT)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--room-idle-timeout", "30"))
                .hasMessageStartingWith("--room-idle-timeout: '30' (expected: a number and a unit");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--warmup-joins", "-1"))
                .hasMessage("--warmup-joins: -1 (expected: 0 to 100000)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--bogus", "1"))
                .hasMessage("unknown flag: --bogus (see --help)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api"))
                .hasMessage("--haproxy-api: missing value (see --help)");
        assertThatThrownBy(AgentOptions::parse)
                .hasMessageStartingWith("servers: none given");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--servers", "b=s"))
                .hasMessage("--haproxy-api and --servers: both given (expected: one of them)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--room-idle-timeout", "10s"))
                .hasMessage("--room-idle-timeout: 10s (expected: >= --reservation-window 1m)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--io-threads", "0"))
                .hasMessage("--io-threads: 0 (expected: 1 to 256)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--max-connections", "0"))
                .hasMessage("--max-connections: 0 (expected: 1 to 1000000)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--hello-timeout", "0s"))
                .hasMessage("--hello-timeout: 0s (expected: > 0)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--straggler-hold", "0s"))
                .hasMessage("--straggler-hold: 0s (expected: > 0)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--straggler-hold", "-5s"))
                .hasMessageStartingWith("--straggler-hold: '-5s' (expected: a number and a unit");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--idle-timeout", "soon"))
                .hasMessageStartingWith("--idle-timeout: 'soon' (expected: a number and a unit");
        assertThatThrownBy(() -> AgentOptions.parse("--help")).isInstanceOf(AgentOptions.HelpRequested.class);
    }

    @Test
    void helpListsEveryFlag() {
        for (String flag : List.of("--listen", "--haproxy-api", "--servers", "--server-capacity", "--room-size",
                "--room-idle-timeout", "--reservation-window", "--straggler-hold", "--redis", "--redis-prefix",
                "--redis-timeout",
                "--admin", "--admin-token-file", "--refresh-interval", "--max-frame-size", "--io-threads",
                "--hello-timeout", "--idle-timeout",
                "--max-connections", "--warmup-joins", "--help")) {
            assertThat(AgentOptions.HELP).contains(flag + " ");
        }
    }

    @Test
    void roomBoundsDefaultToTheRoomSizeFourPendingRoomsAndAMillionRooms() {
        AgentOptions defaults = AgentOptions.parse("--haproxy-api", "x");
        assertThat(defaults.maxRoomSize()).isEqualTo(10);
        assertThat(defaults.maxPendingRoomsPerClient()).isEqualTo(4);
        assertThat(defaults.maxRooms()).isEqualTo(1_000_000);
        assertThat(AgentOptions.parse("--haproxy-api", "x", "--room-size", "6").maxRoomSize()).isEqualTo(6);

        AgentOptions set = AgentOptions.parse("--haproxy-api", "x", "--max-room-size", "20",
                "--max-pending-rooms-per-client", "2", "--max-rooms", "500");
        assertThat(set.describe()).contains(" room-size=10 max-room-size=20 max-pending-rooms-per-client=2"
                + " max-rooms=500 ");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--room-size", "8", "--max-room-size", "6"))
                .isInstanceOf(OptionsException.class).hasMessage("--max-room-size: 6 (expected: >= --room-size 8)");
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--max-pending-rooms-per-client", "0"))
                .isInstanceOf(OptionsException.class)
                .hasMessage("--max-pending-rooms-per-client: 0 (expected: 1 to 1000000)");
    }

    @Test
    void takesAnAdminTokenFileOnlyWithAnAdminEndpoint() {
        AgentOptions options = AgentOptions.parse("--haproxy-api", "x", "--admin", "127.0.0.1:8081",
                "--admin-token-file", "/etc/room-router/admin.token");

        assertThat(options.adminTokenFile()).contains(java.nio.file.Path.of("/etc/room-router/admin.token"));
        assertThat(options.describe()).contains("admin-token-file=/etc/room-router/admin.token");
        assertThat(AgentOptions.parse("--haproxy-api", "x").adminTokenFile()).isEmpty();
        assertThatThrownBy(() -> AgentOptions.parse("--haproxy-api", "x", "--admin-token-file", "/t"))
                .hasMessage("--admin-token-file: given without --admin (expected: both, or neither)");
    }

    @Test
    void readsTheRedisPasswordFromTheEnvironmentAndNeverShowsIt() {
        Map<String, String> environment = Map.of("RR_REDIS_PASSWORD", "env-s3cret");
        AgentOptions options = AgentOptions.parse(environment, "--haproxy-api", "x", "--redis",
                "rediss://rr@127.0.0.1:6380/0");

        assertThat(options.redisPasswordVariable()).map(RedisPasswordVariable::password).contains("env-s3cret");
        assertThat(options.describe()).contains("password=RR_REDIS_PASSWORD").doesNotContain("env-s3cret");
        assertThat(options.toString()).doesNotContain("env-s3cret");
        assertThat(AgentOptions.HELP).contains("RR_REDIS_PASSWORD");
        // Without the variable, as the other tests parse, there is none.
        assertThat(AgentOptions.parse("--haproxy-api", "x", "--redis", "redis://h:6379/0").redisPasswordVariable())
                .isEmpty();
    }

    @Test
    void aSecondSourceOfTheRedisPasswordStopsStartUpNamingBoth() {
        Map<String, String> environment = Map.of("RR_REDIS_PASSWORD", "env-s3cret");

        assertThatThrownBy(() -> AgentOptions.parse(environment, "--haproxy-api", "x", "--redis",
                "rediss://rr@h:6380/0", "--redis-password-file", "/etc/room-router/redis.password"))
                .isInstanceOf(OptionsException.class)
                .hasMessage("RR_REDIS_PASSWORD and --redis-password-file: both give the Redis password (expected:"
                        + " one of them)");
        assertThatThrownBy(() -> AgentOptions.parse(environment, "--haproxy-api", "x", "--redis",
                "rediss://rr:uri-pass@h:6380/0"))
                .isInstanceOf(OptionsException.class)
                .hasMessageStartingWith("RR_REDIS_PASSWORD and the --redis URI rediss://***@h:6380/0: both give the"
                        + " Redis password").hasMessageNotContaining("uri-pass").hasMessageNotContaining("env-s3cret");
        assertThatThrownBy(() -> AgentOptions.parse(environment, "--haproxy-api", "x", "--redis",
                "redis://:uri-pass@h1:7000,h2:7001"))
                .hasMessageStartingWith("RR_REDIS_PASSWORD and the --redis URI ");
        assertThatThrownBy(() -> AgentOptions.parse(environment, "--haproxy-api", "x"))
                .isInstanceOf(OptionsException.class)
                .hasMessage("RR_REDIS_PASSWORD: set without --redis (expected: --redis URI too, or the variable"
                        + " unset)");
        assertThatThrownBy(() -> AgentOptions.parse(Map.of("RR_REDIS_PASSWORD", ""), "--haproxy-api", "x",
                "--redis", "redis://h:6379/0"))
                .isInstanceOf(OptionsException.class).hasMessageStartingWith("RR_REDIS_PASSWORD: set but empty");
    }
}
