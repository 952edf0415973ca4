package io.roomrouter.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.ProjectLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/room-router.service is a unit systemd accepts, hardened (systemd's own exposure score), and it starts
 * the launcher with flags the agent has, from packaging/room-router.default. Checked with Debian 12's
 * systemd-analyze, which reads unit files without a running systemd.
 */
final class SystemdUnitTest {
    private static final ProjectLayout LAYOUT = ProjectLayout.locate();
    private static final Path UNIT = LAYOUT.root().resolve("packaging/room-router.service");
    private static final Path DEFAULTS = LAYOUT.root().resolve("packaging/room-router.default");
    private static final String INSTALLED_LAUNCHER = "/opt/room-router/bin/room-router";
    private static final Pattern AGENT_ARGS = Pattern.compile("^RR_AGENT_ARGS=\"([^\"]*)\"$", Pattern.MULTILINE);

    @Test
    void systemdAcceptsTheUnit(@TempDir Path dir) throws Exception {
        // verify checks that ExecStart's program exists: the installed path is not here, the repository's is.
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        assertThat(unit).contains("ExecStart=" + INSTALLED_LAUNCHER + " $RR_AGENT_ARGS");
        Path copy = dir.resolve("room-router.service");
        Files.writeString(copy, unit.replace(INSTALLED_LAUNCHER, LAYOUT.launcher().toString()),
                StandardCharsets.UTF_8);

        Result verify = run(dir, "systemd-analyze", "verify", copy.toString());

        assertThat(verify.exitCode()).as("systemd-analyze verify:%n%s", verify.output()).isZero();
        // A directive systemd does not know, or a bad value, is only a warning line: none is allowed.
        assertThat(verify.output()).as("systemd-analyze verify").isBlank();
    }

    @Test
    void theUnitIsHardened(@TempDir Path dir) throws Exception {
        // systemd's exposure score, 0 (locked down) to 10 (exposed): "OK" up to 3.9. The threshold is in tenths.
        Result security = run(dir, "systemd-analyze", "security", "--offline=true", "--threshold=20",
                UNIT.toString());

        assertThat(security.exitCode()).as("systemd-analyze security:%n%s", security.output()).isZero();
        assertThat(security.output()).contains("Overall exposure level for room-router.service");
        assertThat(Files.readString(UNIT, StandardCharsets.UTF_8)).contains("DynamicUser=yes", "ProtectSystem=strict",
                "SupplementaryGroups=haproxy", "EnvironmentFile=-/etc/default/room-router");
    }

    @Test
    void theDefaultSettingsAreFlagsTheAgentHas(@TempDir Path dir) throws Exception {
        Matcher args = AGENT_ARGS.matcher(Files.readString(DEFAULTS, StandardCharsets.UTF_8));
        assertThat(args.find()).as("RR_AGENT_ARGS=\"...\" in %s", DEFAULTS).isTrue();
        Result help = run(dir, LAYOUT.launcher().toString(), "--help");
        assertThat(help.exitCode()).as("room-router --help:%n%s", help.output()).isZero();

        List<String> flags = new ArrayList<>();
        for (String word : args.group(1).trim().split("\\s+", -1)) {
            if (word.startsWith("--")) {
                flags.add(word);
            }
        }
        assertThat(flags).contains("--listen", "--haproxy-api", "--admin");
        assertThat(flags).allSatisfy(flag -> assertThat(help.output()).as("room-router --help").contains(flag + " "));
    }

    private record Result(int exitCode, String output) {}

    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit within 60 s");
        }
        return new Result(process.exitValue(), output);
    }
}
