package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    @Test
    void acceptsTheUriFormsLettuceReads() {
        assertThat(RedisSettings.of("redis://localhost:6379/0").cluster()).isFalse();
        assertThat(RedisSettings.of("rediss://:secret@cache.example:6380/2").cluster()).isFalse();
        assertThat(RedisSettings.of("redis-sentinel://s1:26379,s2:26379/0#mymaster").cluster()).isFalse();
        assertThat(RedisSettings.of("redis://n1:7000,n2:7001,n3:7002").cluster()).isTrue();
    }

    @Test
    void aPasswordOfTheirOwnGoesToTheUrisUserWhomLettuceIsNotToldOfInTheUri() {
        RedisSettings user = new RedisSettings("rediss://rr@127.0.0.1:6380/0", "rr", Duration.ofMillis(50),
                Optional.of("pw"), Optional.of(Path.of("/etc/ca.pem")));
        assertThat(user.lettuceUri()).isEqualTo("rediss://127.0.0.1:6380/0");
        assertThat(user.user()).contains("rr");
        assertThat(user.toString()).doesNotContain("pw").contains("password=***").contains("trustedCa=/etc/ca.pem");

        RedisSettings defaultUser = new RedisSettings("redis://cache:6379/0", "rr", Duration.ofMillis(50),
                Optional.of("pw"), Optional.empty());
        assertThat(defaultUser.lettuceUri()).isEqualTo("redis://cache:6379/0");
        assertThat(defaultUser.user()).isEmpty();

        RedisSettings inline = RedisSettings.of("redis://:inline@cache:6379/0");
        assertThat(inline.lettuceUri()).isEqualTo("redis://:inline@cache:6379/0");
        assertThat(inline.user()).isEmpty();
    }

    @Test
    void rejectsAPasswordInTheUriAndOneOfTheirOwn() {
        assertThatThrownBy(() -> new RedisSettings("redis://rr:inline@cache:6379/0", "rr", Duration.ofMillis(50),
                Optional.of("pw"), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis uri: redis://***@cache:6379/0 carries a password, and a password file gives one"
                        + " too (expected: one of them)");
    }

    @Test
    void defaults() {
        RedisSettings settings = RedisSettings.of("redis://localhost");
        assertThat(settings.prefix()).isEqualTo("rr");
        assertThat(settings.timeout()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void rejectsAnUnknownScheme() {
        assertThatThrownBy(() -> RedisSettings.of("http://localhost:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("redis uri scheme: http (expected: one of redis, rediss");
    }

    @Test
    void rejectsAUriWithoutScheme() {
        assertThatThrownBy(() -> RedisSettings.of("localhost:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis uri: localhost:6379 (expected: scheme://..., as in redis://host:6379/0)");
    }

    @Test
    void rejectsAUriWithoutHostAndHidesThePassword() {
        assertThatThrownBy(() -> RedisSettings.of("redis://:secret@/0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis uri: redis://***@/0 (expected: a host, as in redis://host:6379/0)");
    }

    @Test
    void rejectsABadPort() {
        assertThatThrownBy(() -> RedisSettings.of("redis://localhost:99999"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("redis uri: redis://localhost:99999 (");
    }

    @Test
    void rejectsAPrefixThatWouldBreakTheHashTag() {
        assertThatThrownBy(() -> new RedisSettings("redis://localhost", "rr{x}", Duration.ofMillis(20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis prefix: 'rr{x}' has '{' at 2 (expected: [A-Za-z0-9._:-])");
    }

    @Test
    void rejectsANonPositiveTimeout() {
        assertThatThrownBy(() -> new RedisSettings("redis://localhost", "rr", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis timeout: PT0S (expected: > 0 and <= PT10S)");
    }

    @Test
    void hidesThePasswordInToString() {
        assertThat(RedisSettings.of("redis://user:secret@localhost:6379/1").toString())
                .isEqualTo("RedisSettings[uri=redis://***@localhost:6379/1, prefix=rr, timeout=PT0.05S]");
    }
}
