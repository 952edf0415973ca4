package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HAProxy-alone configurations of the placement benches, generated from the reference haproxy.cfg. */
class PlacementConfigTest {

    private static String reference() throws IOException {
        Path root = Path.of(System.getProperty("roomrouter.root", "..")).toAbsolutePath().normalize();
        return Files.readString(root.resolve("haproxy/haproxy.cfg"), StandardCharsets.UTF_8);
    }

    private static List<String> backendLines(String config) {
        String backend = config.substring(config.indexOf("backend be_game"), config.indexOf("backend be_room_agent"));
        return backend.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void leastconnCookieBalancesEachPlayerOnItsOwn() throws IOException {
        List<String> lines = backendLines(PlacementBench.configFor(PlacementBench.Setup.LEASTCONN_COOKIE,
                reference()));

        assertThat(lines).contains("balance leastconn", "cookie SRV insert indirect nocache")
                .doesNotContain("balance url_param room", "hash-type consistent", "stick on urlp(room)")
                .noneMatch(l -> l.startsWith("filter spoe"));
        assertThat(lines).filteredOn(l -> l.startsWith("server game")).hasSize(3)
                .allMatch(l -> l.endsWith(" cookie " + l.split("\\s+", -1)[1]));
    }

    @Test
    void boundedHashKeepsTheRoomHashButNotTheStick() throws IOException {
        List<String> lines = backendLines(PlacementBench.configFor(PlacementBench.Setup.HASH_BOUNDED, reference()));

        assertThat(lines).containsSubsequence("balance url_param room", "hash-type consistent",
                "hash-balance-factor 125").doesNotContain("stick on urlp(room)");
    }

    @Test
    void leastconnStickRoomKeepsTheReferenceStick() throws IOException {
        List<String> lines = backendLines(PlacementBench.configFor(PlacementBench.Setup.LEASTCONN_STICK_ROOM,
                reference()));

        assertThat(lines).contains("balance leastconn", "stick on urlp(room)").doesNotContain("hash-type consistent");
    }

    @Test
    void refusesAConfigThatIsNotTheReference() {
        assertThatThrownBy(() -> PlacementBench.configFor(PlacementBench.Setup.HASH_BOUNDED,
                "backend be_game\n    filter spoe engine x\n    balance roundrobin\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlacementBench.configFor(PlacementBench.Setup.ROOM_ROUTER, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCurveScalesTheAgentsTimeLineFlagsByItsCompression() {
        PlacementCurveThroughHaproxy.Config roomRouter = PlacementCurveThroughHaproxy.configs(List.of()).get(2);
        assertThat(roomRouter.agentArgs()).containsExactly("--reservation-window", "1000ms", "--straggler-hold",
                "167ms");

        List<PlacementCurveThroughHaproxy.Config> withVariant =
                PlacementCurveThroughHaproxy.configs(List.of("--refresh-interval", "100ms"));
        assertThat(withVariant).hasSize(5);
        assertThat(withVariant.get(4).key()).isEqualTo("room-router.refresh-interval-100ms");
        assertThat(withVariant.get(4).agentArgs()).endsWith("--refresh-interval", "100ms");
    }
}
