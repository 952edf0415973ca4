package io.roomrouter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the quick benchmark suite end to end (real agent, haproxy, wrk) and checks that results.json holds every
 * figure. Figures are printed, not asserted: timings on a shared machine say nothing about correctness.
 */
class QuickBenchIT {
    private static final Pattern NAME = Pattern.compile("\\{\"name\": \"([^\"]+)\"");

    @Test
    void quickSuiteWritesEveryFigure() throws Exception {
        Path root = Path.of(System.getProperty("roomrouter.root", "..")).toAbsolutePath().normalize();
        Path out = root.resolve("tests/target/bench-it");
        System.setProperty("bench.quick", "true");
        System.setProperty("bench.root", root.toString());
        System.setProperty("bench.out", out.toString());

        BenchMain.main(new String[0]);

        String json = Files.readString(out.resolve("results.json"), StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        Matcher m = NAME.matcher(json);
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(json).contains("\"machine\"", "\"nproc\"", "\"haproxy\"");
        assertThat(names).contains(
                "agent.memory.log-info.known.saturation.decisions_per_s",
                "agent.memory.log-info.known.fixed50k.p99",
                "agent.memory.log-info.first.saturation.decisions_per_s",
                "agent.memory.log-info.mix20.saturation.p99.9",
                "agent.memory.log-info.known.saturation.agent_cpu",
                "agent.memory.log-info.known.saturation.agent_heap_used",
                "agent.memory.log-warn.known.saturation.decisions_per_s",
                "agent.redis.first.saturation.placements_per_s",
                "agent.redis.known.fixed50k.p99",
                "agent.redis.mix20.saturation.decisions_per_s",
                "scale.redis.bytes_per_room.rooms_10000",
                "scale.memory.heap_per_room.rooms_100000",
                "scale.memory.decision_ns.rooms_100000",
                "scale.memory.heap_per_room.rooms_10000",
                "haproxy.with_agent.log-info.rps_ratio",
                "haproxy.with_agent.log-info.p99_added_ms",
                "placement.leastconn-cookie.rooms_split",
                "placement.url_param-consistent-hbf125.rooms_moved_on_scale_out",
                "placement.room-router.new_rooms_refused",
                "placement.room-router.max_load_over_mean",
                "placement_curve.30x100.load085.room-router.new_rooms_refused",
                "placement_curve.30x100.load085.ideal.new_rooms_refused",
                "placement_curve.40x100.load085.room-router.new_rooms_refused",
                "placement_curve.3x100.load110.hash-hbf125.rooms_split",
                "placement_curve.3x100.load050.room-router.window-10s.stranded_seats",
                "placement_curve_haproxy.3x100.load085.room-router.new_rooms_refused",
                "placement_curve_haproxy.3x100.load085.room-router.seats_held",
                "placement_curve_haproxy.3x100.load085.leastconn-cookie.rooms_split",
                "placement_curve_haproxy.3x100.load085.leastconn-stick-room.players_refused",
                "placement_curve_haproxy.3x100.load085.ideal.new_rooms_refused");
        assertThat(names).doesNotHaveDuplicates();
    }
}
