package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.HaproxyBinary;
import io.roomrouter.kit.ProjectLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The reference configuration is valid, without a single warning, on the haproxy under test ({@code haproxy -c}).
 * run-tests.sh runs this on Debian's 2.6 and on every newer version of the matrix: a keyword one version needs and
 * another deprecates (SPOE's {@code timeout hello}, {@code mode tcp} for the agent's backend) shows up here first.
 */
class HaproxyConfigCheckIT {

    @Test
    void referenceConfigurationIsValidWithoutWarnings(TestInfo test) throws IOException, InterruptedException {
        HaproxyBinary haproxy = HaproxyBinary.configured();
        String version = run(haproxy, List.of("-v")).lines().findFirst().orElse("");
        String check = run(haproxy, List.of("-c", "-f", ProjectLayout.locate().haproxyConfig().toString()));
        TestLogs.report(test, version + ": " + check.strip().replace('\n', '|'));

        assertThat(version).as("haproxy -v of %s", haproxy).startsWith("HAProxy version ");
        assertThat(check.lines().filter(line -> line.contains("[WARNING]") || line.contains("[ALERT]")))
                .as("warnings of %s on the reference configuration", version).isEmpty();
    }

    /** The combined output; fails unless the command exits 0 (3.x says nothing on a valid file, 2.6 says so). */
    private static String run(HaproxyBinary haproxy, List<String> args) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(haproxy.command(args)).redirectErrorStream(true);
        // The file's own defaults, as shipped: a caller's RR_* variables would change what is checked.
        builder.environment().keySet().removeIf(name -> name.startsWith("RR_"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s exits", builder.command()).isTrue();
        assertThat(process.exitValue()).as("exit code of %s: %s", builder.command(), output).isZero();
        return output;
    }
}
