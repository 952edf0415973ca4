package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FormDecoderTest {

    @Test
    void decodesPairsEscapesAndPlus() throws Exception {
        assertThat(FormDecoder.decode("backend=be_game&room=match%2D7+x&e=")).containsExactly(
                Map.entry("backend", "be_game"), Map.entry("room", "match-7 x"), Map.entry("e", ""));
        assertThat(FormDecoder.decode("r=%C3%A9")).containsEntry("r", "\u00e9");
        assertThat(FormDecoder.decode(null)).isEmpty();
        assertThat(FormDecoder.decode("")).isEmpty();
    }

    @Test
    void refusesBadEscapesWithWhereAndWhat() {
        assertThatThrownBy(() -> FormDecoder.decode("room=a%zz"))
                .isInstanceOf(FormDecoder.MalformedException.class)
                .hasMessage("bad percent-escape '%zz' at offset 1 of 'a%zz' (expected: % and two hex digits)");
        assertThatThrownBy(() -> FormDecoder.decode("room=a%4")).hasMessageStartingWith("bad percent-escape '%4'");
        assertThatThrownBy(() -> FormDecoder.decode("room=%")).hasMessageStartingWith("bad percent-escape '%'");
        assertThatThrownBy(() -> FormDecoder.decode("room=%ff")).hasMessage("'%ff' is not UTF-8 once decoded");
    }

    @Test
    void refusesRepeatedNamesAndPairsWithoutValue() {
        assertThatThrownBy(() -> FormDecoder.decode("room=a&room=b"))
                .hasMessage("parameter room given twice (expected: once)");
        assertThatThrownBy(() -> FormDecoder.decode("room")).hasMessage("parameter 'room' (expected: name=value)");
        assertThatThrownBy(() -> FormDecoder.decode("a=1&")).hasMessage("parameter '' (expected: name=value)");
        assertThatThrownBy(() -> FormDecoder.decode("=1")).hasMessage("parameter '=1' (expected: name=value)");
    }

    @Test
    void decodesPathsKeepingPlus() throws Exception {
        assertThat(FormDecoder.path("/health")).isEqualTo("/health");
        assertThat(FormDecoder.path("/a+b%2Fc")).isEqualTo("/a+b/c");
        assertThatThrownBy(() -> FormDecoder.path("/health%G1")).hasMessageStartingWith("bad percent-escape '%G1'");
    }

    @Test
    void shortensAndEscapesWhatItQuotes() {
        assertThat(FormDecoder.shorten("a\u0001b")).isEqualTo("a\\x01b");
        assertThat(FormDecoder.shorten("x".repeat(100))).isEqualTo("x".repeat(64) + "...");
    }
}
