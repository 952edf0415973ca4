package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionLineTest {
    private static final long AT = Instant.parse("2026-11-21T11:15:15.101Z").toEpochMilli();
    private static final String STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
            .withZone(ZoneId.systemDefault()).format(Instant.ofEpochMilli(AT));

    private final DecisionLine line = new DecisionLine();

    private String format(long millis, String room, Placement placement, long micros) {
        int length = line.format(millis, room, "be_game", placement, micros);
        return new String(line.bytes(), 0, length, StandardCharsets.UTF_8);
    }

    @Test
    void writesTheAgentsLogLayoutWithEveryField() {
        Placement placed = Placement.routed(Decision.PLACED, "game2", Optional.of("game1"), "least-loaded", 23, 100);

        assertThat(format(AT, "r1", placed, 41)).isEqualTo(STAMP + " INFO decision - room=r1 backend=be_game"
                + " server=game2 fallback=game1 decision=placed reason=least-loaded load=23/100 micros=41\n");
    }

    @Test
    void aFullRoomIsAWarningWithItsReasonQuoted() {
        assertThat(format(AT, "r9", Placement.full("no server fits a room of 10: game1 \"DOWN\""), 12))
                .isEqualTo(STAMP + " WARN decision - room=r9 backend=be_game server=- fallback=- decision=full"
                        + " reason=\"no server fits a room of 10: game1 \\\"DOWN\\\"\" load=0/0 micros=12\n");
    }

    @Test
    void controlCharactersInAReasonCannotStartANewLine() {
        assertThat(format(AT, "r1", Placement.rejected("bad\nroom=forged"), 1))
                .endsWith("reason=\"bad?room=forged\" load=0/0 micros=1\n")
                .containsOnlyOnce("\n");
    }

    @Test
    void aReasonOutsideAsciiIsWrittenAsUtf8() {
        String text = format(AT, "r1", Placement.routed(Decision.MOVED, "jeu-é", "server jeu-ü left", 1, 10), 5);

        assertThat(text).contains("server=jeu-é ").contains("reason=\"server jeu-ü left\"");
    }

    @Test
    void aLongerLineAfterAShortOneIsWhole() {
        format(AT, "r", Placement.routed(Decision.STICKY, "g", "room lives here", 1, 10), 1);
        String longReason = "x".repeat(600);

        assertThat(format(AT + 1, "r2", Placement.rejected(longReason), 2)).endsWith(longReason + " load=0/0 micros=2\n");
    }

    @Test
    void theTimestampFollowsTheClock() {
        Placement sticky = Placement.routed(Decision.STICKY, "game1", "room lives here", 1, 10);
        String later = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
                .withZone(ZoneId.systemDefault()).format(Instant.ofEpochMilli(AT + 1_001));

        assertThat(format(AT, "r1", sticky, 1)).startsWith(STAMP + " ");
        assertThat(format(AT + 1_001, "r1", sticky, 1)).startsWith(later + " ");
    }
}
