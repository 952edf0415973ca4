package io.roomrouter.placement;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void acceptsTypicalIds() {
        assertThat(Identifiers.problem("room", "match-2026.eu_west:42")).isEmpty();
        assertThat(Identifiers.problem("room", "r".repeat(64))).isEmpty();
    }

    @Test
    void rejectsEmptyLongAndUnsafeIds() {
        assertThat(Identifiers.problem("room", "")).contains("room is empty");
        assertThat(Identifiers.problem("room", "r".repeat(65))).contains("room length 65 (expected: <= 64)");
        assertThat(Identifiers.problem("player", "a b")).contains("player has character 0x20 at 1 (expected: [A-Za-z0-9._:-])");
        assertThat(Identifiers.problem("room", "x\ny=1")).get().asString().contains("0xa");
        assertThat(Identifiers.problem("room", "é")).get().asString().contains("0xe9");
    }
}
