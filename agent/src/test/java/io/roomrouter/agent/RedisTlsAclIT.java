package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.AgentLauncher;
import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.LoggedProcess;
import io.roomrouter.kit.ProjectLayout;
import io.roomrouter.spop.Ack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis over TLS, as an ACL user that may touch only the agent's keys and commands: a real redis-server with a TLS
 * port only (its certificate made here by openssl, signed by a CA made here), the default user switched off, and two
 * agents on {@code rediss://rr@127.0.0.1:PORT/0} with the password in a file ({@code --redis-password-file}) and the
 * CA in another ({@code --redis-ca-file}). The ACL line is the README's.
 */
class RedisTlsAclIT {
    /** The README's ACL line ("Redis: TLS and an ACL user"), with the test's password, as in an ACL file. */
    static final String ACL_USER = "rr on >%s resetkeys ~rr:* resetchannels &rr:* -@all +@read +@write +@scripting"
            + " -script|flush -script|kill -function +@pubsub +@connection +config|get";
    private static final String PASSWORD = "s3cret.Pass-7";

    @TempDir
    static Path dir;
    private static LoggedProcess redis;
    private static int port;
    private static EventLoopGroup group;

    @BeforeAll
    static void startRedis() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=room-router test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=localhost");
        Files.writeString(dir.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "server.crt", "-days", "2", "-extfile", "san.cnf");
        // A second CA, which signed nothing: an agent trusting only it must refuse the server.
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt", "-days",
                "2", "-subj", "/CN=another CA");
        Files.writeString(dir.resolve("password"), PASSWORD + "\n");
        Files.writeString(dir.resolve("users.acl"), "user default off\nuser " + String.format(ACL_USER, PASSWORD) + "\n");
        port = FreePort.pick();
        redis = LoggedProcess.start("redis-tls", new ProcessBuilder("redis-server", "--port", "0",
                "--tls-port", Integer.toString(port), "--bind", "127.0.0.1", "--tls-cert-file", "server.crt", "--tls-key-file", "server.key",
                "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no", "--save", "", "--appendonly", "no",
                "--aclfile", "users.acl").directory(dir.toFile()), dir.resolve("redis.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cli("PING").equals("PONG")) {
            assertThat(System.nanoTime()).as("redis-server answering over TLS; its log: %s", redis.tail())
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoAgentsShareRoomsOverTlsAsTheAclUser() throws Exception {
        try (Agent first = agent(dir.resolve("ca.crt"));
                Agent second = agent(dir.resolve("ca.crt"));
                SpopClient one = SpopClient.ready(group, first.spopAddress());
                SpopClient two = SpopClient.ready(group, second.spopAddress())) {
            Map<String, String> placed = decision(one, 1, "room-tls", "p1");
            assertThat(placed).containsEntry("decision", "placed");
            Map<String, String> joined = decision(two, 1, "room-tls", "p2");
            assertThat(joined).containsEntry("decision", "sticky").containsEntry("server", placed.get("server"));
        }
        // The user's keys are all the agent wrote, under its prefix.
        assertThat(cli("KEYS", "*").lines()).isNotEmpty().allSatisfy(key -> assertThat(key).startsWith("rr:"));
    }

    /**
     * The agent as an operator starts it, through {@code bin/room-router}, with the password in
     * {@code RR_REDIS_PASSWORD}: it places a room an agent with the password file then sees, and the password shows
     * neither in its command line nor in its output.
     */
    @Test
    void anAgentStartedByTheLauncherReadsThePasswordFromTheEnvironment() throws Exception {
        int spop = FreePort.pick();
        Path log = dir.resolve("launched.log");
        Process launched = launcher(log, "--listen", "127.0.0.1:" + spop, "--servers", "be_game=game1,game2",
                "--redis", "rediss://rr@127.0.0.1:" + port + "/0", "--redis-ca-file", dir.resolve("ca.crt").toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(log).contains("room-router ready")) {
                assertThat(launched.isAlive() && System.nanoTime() < deadline)
                        .as("the launched agent starting; its output: %s", Files.readString(log)).isTrue();
                Thread.sleep(50);
            }
            // What ps shows: the JVM's command line (the launcher execs it), which must not hold the password.
            String commandLine = Files.readString(Path.of("/proc", Long.toString(launched.pid()), "cmdline"))
                    .replace('\0', ' ');
            assertThat(commandLine).contains("--redis rediss://rr@127.0.0.1:").doesNotContain(PASSWORD);
            try (Agent withFile = agent(dir.resolve("ca.crt"));
                    SpopClient one = SpopClient.ready(group, new InetSocketAddress(InetAddress.getLoopbackAddress(), spop));
                    SpopClient two = SpopClient.ready(group, withFile.spopAddress())) {
                Map<String, String> placed = decision(one, 1, "room-env", "p1");
                assertThat(placed).containsEntry("decision", "placed");
                assertThat(decision(two, 1, "room-env", "p2")).containsEntry("decision", "sticky")
                        .containsEntry("server", placed.get("server"));
            }
        } finally {
            launched.destroy();
            assertThat(launched.waitFor(20, TimeUnit.SECONDS)).as("the launched agent stopping on SIGTERM").isTrue();
        }
        assertThat(Files.readString(log)).contains("password=RR_REDIS_PASSWORD").doesNotContain(PASSWORD);
    }

    @Test
    void aPasswordInTheEnvironmentAndAFileStopTheLaunchedAgentNamingBoth() throws Exception {
        Path log = dir.resolve("conflict.log");
        Process launched = launcher(log, "--listen", "127.0.0.1:0", "--servers", "be_game=game1", "--redis",
                "rediss://rr@127.0.0.1:" + port + "/0", "--redis-password-file", dir.resolve("password").toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("room-router: RR_REDIS_PASSWORD and --redis-password-file: both"
                + " give the Redis password (expected: one of them)").doesNotContain(PASSWORD);
        // --help names the variable, never its value.
        Path help = dir.resolve("help.log");
        Process helped = launcher(help, "--help");
        assertThat(helped.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(help)).contains("RR_REDIS_PASSWORD").doesNotContain(PASSWORD);
    }

    @Test
    void anAgentThatDoesNotTrustTheServersCaDoesNotStart() {
        assertThatThrownBy(() -> agent(dir.resolve("other.crt")).close()).hasStackTraceContaining("SSL");
    }

    @Test
    void badFilesStopStartUpNamingTheirFlag() throws IOException {
        Files.writeString(dir.resolve("empty"), "");
        assertThatThrownBy(() -> Agent.start(options("--redis-password-file", dir.resolve("empty").toString(),
                "--redis-ca-file", dir.resolve("ca.crt").toString())))
                .isInstanceOf(OptionsException.class).hasMessageContaining("--redis-password-file: ")
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> Agent.start(options("--redis-password-file", dir.resolve("password").toString(),
                "--redis-ca-file", dir.resolve("password").toString())))
                .isInstanceOf(OptionsException.class).hasMessageContaining("--redis-ca-file: ")
                .hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> AgentOptions.parse("--servers", "be_game=game1", "--redis-ca-file", "ca.crt"))
                .isInstanceOf(OptionsException.class).hasMessage("--redis-ca-file: given without --redis (expected:"
                        + " --redis URI too)");
    }

    private static Agent agent(Path ca) throws Exception {
        return Agent.start(options("--redis-password-file", dir.resolve("password").toString(), "--redis-ca-file",
                ca.toString()));
    }

    private static AgentOptions options(String... redisFiles) {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--servers", "be_game=game1,game2",
                "--redis", "rediss://rr@127.0.0.1:" + port + "/0"));
        args.addAll(List.of(redisFiles));
        return AgentOptions.parse(args.toArray(new String[0]));
    }

    // bin/room-router ARGS as an operator runs it (the build's working directory is the agent module), on this JVM,
    // with the password in RR_REDIS_PASSWORD and no RR_JAVA_OPTS of the shell running the tests; output to log.
    private static Process launcher(Path log, String... args) throws IOException {
        ProcessBuilder builder = AgentLauncher.processBuilder(ProjectLayout.locate().launcher(), List.of(),
                List.of(args)).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("RR_REDIS_PASSWORD", PASSWORD);
        return builder.start();
    }

    private static Map<String, String> decision(SpopClient client, long stream, String room, String player)
            throws Exception {
        client.send(HaproxySide.roomJoin(stream, "be_game", room, player));
        return HaproxySide.variables((Ack) client.next());
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
    }

    // redis-cli over TLS as the ACL user; its output, trimmed.
    private static String cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--tls", "--cacert",
                dir.resolve("ca.crt").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "--user", "rr",
                "--pass", PASSWORD, "--no-auth-warning"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        process.waitFor(10, TimeUnit.SECONDS);
        return output;
    }
}
