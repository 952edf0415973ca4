package io.roomrouter.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaticInventoryTest {

    @Test
    void listsEveryServerUpWithTheCapacityAndNoConnections() {
        long before = System.currentTimeMillis();
        StaticInventory inventory = StaticInventory.parse(List.of("be_game=game1,game2", "be_chat=chat1"), 40);

        BackendSnapshot game = inventory.backend("be_game").orElseThrow();
        assertThat(game.servers())
                .containsExactly(
                        new ServerStatus("game1", ServerState.UP, 40, 0),
                        new ServerStatus("game2", ServerState.UP, 40, 0));
        assertThat(game.takenAtMillis()).isBetween(before, System.currentTimeMillis());
        assertThat(inventory.backend("be_chat").orElseThrow().servers())
                .containsExactly(new ServerStatus("chat1", ServerState.UP, 40, 0));
        assertThat(inventory.backend("be_other")).isEmpty();
        assertThat(inventory.backends()).extracting(BackendSnapshot::backend).containsExactlyInAnyOrder("be_game", "be_chat");
        assertThat(inventory.describe()).isEqualTo("static be_chat=chat1 be_game=game1,game2 (capacity 40)");
    }

    @Test
    void allowsTheSameServerNameInTwoBackends() {
        StaticInventory inventory = StaticInventory.parse(List.of("a=s1", "b=s1"), 1);

        assertThat(inventory.backends()).hasSize(2);
    }

    @Test
    void rejectsMalformedSpecs() {
        for (String spec : List.of("be_game", "=s1", "be_game=", "")) {
            assertThatThrownBy(() -> StaticInventory.parse(List.of(spec), 10))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("servers: '" + spec + "' (expected: BACKEND=S1,S2,...)");
        }
    }

    @Test
    void rejectsBadNames() {
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be game=s1"), 10))
                .hasMessage("servers: 'be game=s1' backend has character 0x20 at 2 (expected: [A-Za-z0-9._:-])");
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s1,,s2"), 10))
                .hasMessage("servers: 'be=s1,,s2' server is empty");
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s1,"), 10))
                .hasMessage("servers: 'be=s1,' server is empty");
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s/1"), 10))
                .hasMessage("servers: 'be=s/1' server has character 0x2f at 1 (expected: [A-Za-z0-9._:-])");
    }

    @Test
    void rejectsRepeatedServersAndBackends() {
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s1,s2,s1"), 10))
                .hasMessage("servers: 'be=s1,s2,s1' (expected: distinct servers; 's1' is repeated)");
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s1", "be=s2"), 10))
                .hasMessage("servers: 'be=s2' (expected: each backend once; 'be' is given before)");
    }

    @Test
    void rejectsNoSpecsAndCapacityBelowOne() {
        assertThatThrownBy(() -> StaticInventory.parse(List.of(), 10))
                .hasMessage("servers: none (expected: BACKEND=S1,S2,...)");
        assertThatThrownBy(() -> StaticInventory.parse(List.of("be=s1"), 0))
                .hasMessage("server-capacity: 0 (expected: >= 1)");
    }
}
