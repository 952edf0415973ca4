package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentLauncher;
import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.ProjectLayout;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/room-router} as shipped: it runs the packaged agent with {@code agent/jvm.options} and
 * {@code RR_JAVA_OPTS}, passes every argument through, works from any directory, and becomes the JVM.
 */
class LauncherIT {

    private static final Pattern TENURING = Pattern.compile("(?m)^-XX:MaxTenuringThreshold=(\\d+)$");

    private final ProjectLayout layout = ProjectLayout.locate();

    @Test
    void helpPrintsTheUsageFromAnyDirectoryAndThroughASymlink(@TempDir Path tmp) throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("room-router"), layout.launcher());

        Result help;
        try {
            help = run(AgentLauncher.processBuilder(link, List.of(), List.of("--help")).directory(tmp.toFile()));
        } finally {
            // JUnit warns about every link to outside its temporary directory that it has to delete.
            Files.delete(link);
        }

        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).startsWith("Usage: bin/room-router [options]").contains("--haproxy-api ADDR");
    }

    @Test
    void aBadFlagExitsTwoNamingTheFlag() throws Exception {
        Result bad = run(AgentLauncher.processBuilder(layout.launcher(), List.of(), List.of("--room-size", "0")));

        assertThat(bad.exitCode()).as(bad.output()).isEqualTo(2);
        assertThat(bad.output()).contains("room-router: --room-size: 0 (expected: 1 to 1000)");
    }

    @Test
    void rrJavaOptsReachTheJvmAfterJvmOptionsAndOverrideThem() throws Exception {
        int shipped = shippedTenuringThreshold();
        int override = shipped == 3 ? 4 : 3;

        Result asShipped = run(AgentLauncher.processBuilder(
                layout.launcher(), List.of("-XX:+PrintCommandLineFlags"), List.of("--help")));
        Result overridden = run(AgentLauncher.processBuilder(layout.launcher(),
                List.of("-XX:+PrintCommandLineFlags", "-XX:MaxTenuringThreshold=" + override), List.of("--help")));

        // -XX:+PrintCommandLineFlags is the first word of RR_JAVA_OPTS: the flags printed show it reached the JVM.
        assertThat(asShipped.exitCode()).as(asShipped.output()).isZero();
        assertThat(asShipped.output()).contains("-XX:MaxTenuringThreshold=" + shipped + " ");
        assertThat(overridden.exitCode()).as(overridden.output()).isZero();
        assertThat(overridden.output()).contains("-XX:MaxTenuringThreshold=" + override + " ")
                .doesNotContain("-XX:MaxTenuringThreshold=" + shipped + " ");
    }

    /** A stand-in java in JAVA_HOME shows the exact command the launcher runs, and that it replaces the launcher. */
    @Test
    void execsJavaFromJavaHomeWithEveryArgumentAsGiven(@TempDir Path tmp) throws Exception {
        Path javaHome = tmp.resolve("jdk");
        Path java = Files.createDirectories(javaHome.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"pid=$$\"\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Were RR_JAVA_OPTS globbed, -Dglob=* would become this file's name.
        Files.createFile(tmp.resolve("-Dglob=matched"));
        ProcessBuilder builder = new ProcessBuilder(layout.launcher().toString(), "--name", "two words", "*", "")
                .directory(tmp.toFile());
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("RR_JAVA_OPTS", " -Da=1\t-Dglob=*\n-Xmx64m ");

        Process process = builder.redirectErrorStream(true).start();
        Result result = waitFor(process);

        assertThat(result.exitCode()).as(result.output()).isZero();
        // The launcher resolves its own path, symlinks included.
        Path root = layout.root().toRealPath();
        assertThat(result.output().split("\n", -1)).containsExactly(
                "pid=" + process.pid(),
                "@" + root.resolve("agent/jvm.options"),
                "-Da=1", "-Dglob=*", "-Xmx64m",
                "-jar", root.resolve("agent/target/room-router-agent.jar").toString(),
                "--name", "two words", "*", "",
                "");
    }

    @Test
    void aCopyWithoutTheJarExitsTwoNamingIt(@TempDir Path tmp) throws Exception {
        Path launcher = Files.createDirectories(tmp.resolve("bin")).resolve("room-router");
        Files.copy(layout.launcher(), launcher, StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(layout.root().resolve("agent/jvm.options"),
                Files.createDirectories(tmp.resolve("agent")).resolve("jvm.options"));

        Result missing = run(AgentLauncher.processBuilder(launcher, List.of(), List.of("--help")));

        assertThat(missing.exitCode()).as(missing.output()).isEqualTo(2);
        assertThat(missing.output())
                .contains(tmp.resolve("agent/target/room-router-agent.jar") + ": not found")
                .contains("run mvn -B package");
    }

    /** The pid tests kill (AgentDownIT, RedisRestartIT) is the agent's JVM, and SIGTERM stops it. */
    @Test
    void theAgentIsTheLaunchersProcessAndStopsOnSigterm() throws Exception {
        InetSocketAddress listen = FreePort.next();
        Process agent = AgentLauncher.processBuilder(layout.launcher(), List.of(), List.of(
                        "--listen", HostPort.format(listen), "--servers", "be_game=game1", "--warmup-joins", "0"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!FreePort.listening(listen) && agent.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(FreePort.listening(listen)).as("agent listening on %s", listen).isTrue();
            assertThat(agent.info().command()).as("command of pid %d", agent.pid())
                    .hasValueSatisfying(command -> assertThat(command).endsWith("/bin/java"));

            agent.destroy();

            assertThat(agent.waitFor(10, TimeUnit.SECONDS)).as("agent stopped by SIGTERM").isTrue();
            assertThat(FreePort.listening(listen)).as("%s after SIGTERM", listen).isFalse();
        } finally {
            // Were the JVM a child of the launcher instead of the launcher itself, it must not outlive a failed test.
            agent.descendants().forEach(ProcessHandle::destroyForcibly);
            agent.destroyForcibly();
        }
    }

    private int shippedTenuringThreshold() throws IOException {
        Matcher matcher = TENURING.matcher(Files.readString(layout.root().resolve("agent/jvm.options")));
        assertThat(matcher.find()).as("agent/jvm.options sets -XX:MaxTenuringThreshold").isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
        return waitFor(builder.redirectErrorStream(true).start());
    }

    private static Result waitFor(Process process) throws IOException, InterruptedException {
        // The outputs here are a few kilobytes at most: reading them to the end before waiting cannot block the child.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 30 s: " + process.info().commandLine().orElse("?"));
        }
        return new Result(process.exitValue(), output);
    }
}
