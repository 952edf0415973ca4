package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionLogTest {

    @Test
    void everyDecisionLoggedBeforeCloseIsWrittenAsOneWholeLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DecisionLog log = new DecisionLog(out);

        log.log("r1", "be_game", Placement.routed(Decision.PLACED, "game2", Optional.of("game1"), "least-loaded", 1, 10),
                7);
        log.log("r2", "be_game", Placement.full("no server fits a room of 10"), 3);
        log.close();

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).contains(" INFO decision - room=r1 backend=be_game server=game2 fallback=game1 ")
                .endsWith(" micros=7");
        assertThat(lines[1]).contains(" WARN decision - room=r2 backend=be_game server=- fallback=- decision=full ");
        assertThat(lines[2]).isEmpty();
    }
}
