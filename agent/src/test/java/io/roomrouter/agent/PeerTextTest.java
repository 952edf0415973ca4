package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PeerTextTest {

    @Test
    void printableAsciiIsKeptAsItIs() {
        assertThat(PeerText.escape("2.0, 1.0 engine-id=7b2c")).isEqualTo("2.0, 1.0 engine-id=7b2c");
    }

    @Test
    void controlCharactersAndNonAsciiBecomeEscapesThatCannotStartALine() {
        assertThat(PeerText.escape("a\nWARN forged\r\u001b[31m\u007f\u00e9\u2028\\x"))
                .isEqualTo("a\\x0aWARN forged\\x0d\\x1b[31m\\x7f\\xe9\\u2028\\\\x");
    }

    @Test
    void aLongStringIsCutAndSaysHowLongItWas() {
        String escaped = PeerText.escape("v".repeat(100_000));

        assertThat(escaped).isEqualTo("v".repeat(PeerText.MAX_CHARS) + "...(100000 chars)");
    }
}
