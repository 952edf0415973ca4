package io.roomrouter.kit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentDecisionTest {

    @Test
    void parsesAnInfoLine() {
        assertThat(AgentDecision.parse("[nioEventLoopGroup-3-1] INFO decision - room=r1 backend=be_game server=game2"
                + " fallback=game1 decision=placed reason=least-loaded load=23/100 micros=41"))
                .contains(new AgentDecision("r1", "be_game", "game2", "game1", "placed", "least-loaded", 23, 100));
    }

    @Test
    void parsesAFullLineWithAQuotedReason() {
        assertThat(AgentDecision.parse("WARN decision - room=r9 backend=be_game server=- fallback=- decision=full"
                + " reason=\"no server has 10 free seats \\\"now\\\"\" load=150/150 micros=12"))
                .contains(new AgentDecision("r9", "be_game", "", "", "full", "no server has 10 free seats \"now\"",
                        150, 150));
    }

    @Test
    void ignoresOtherLines() {
        assertThat(AgentDecision.parse("INFO io.roomrouter.agent.Agent - room-router ready: SPOP on /127.0.0.1:1"))
                .isEmpty();
    }
}
