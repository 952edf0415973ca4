package io.roomrouter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker/compose.yaml describes the production shape (two HAProxy instances, each with its agent as a sidecar,
 * one Redis, three demo game servers), wires every address the reference haproxy.cfg reads, and points only at
 * files that exist; the agent image starts the agent through bin/room-router. Where a Compose CLI is installed, it
 * must accept the file too.
 */
final class ComposeFileTest {

    private static final Set<String> SERVICES =
            Set.of("redis", "game1", "game2", "game3", "haproxy1", "haproxy2", "agent1", "agent2");
    private static final String HAPROXY_CONFIG_DIR = "/usr/local/etc/haproxy/";
    private static final Pattern PRESETENV =
            Pattern.compile("^\\s*presetenv\\s+(\\S+)\\s+(\\S+)", Pattern.MULTILINE);
    /** A presetenv default that is an address ({@code host:port}) or a path: one host's, wrong in a container. */
    private static final Pattern ADDRESS_OR_PATH = Pattern.compile("\\S+:\\d+|/\\S*");

    private static Path root;
    private static Path composeFile;
    private static Map<?, ?> compose;

    @BeforeAll
    static void load() throws IOException {
        root = repositoryRoot();
        composeFile = root.resolve("docker/compose.yaml");
        try (Reader reader = Files.newBufferedReader(composeFile, StandardCharsets.UTF_8)) {
            // SafeConstructor resolves the "<<: *anchor" merge keys the file uses, as Compose does.
            compose = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(reader), "compose.yaml");
        }
    }

    @Test
    void declaresTheProductionShape() {
        assertThat(keys(services())).containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(string(service("redis").get("image"), "redis image")).startsWith("redis:7");
    }

    @Test
    void usesOnlyTopLevelKeysComposeV1Accepts() {
        // docker-compose 1.29 rejects a top-level "name" (Compose v2 added it), and any unknown key but x-*.
        assertThat(keys(compose))
                .allMatch(key -> Set.of("services", "volumes", "networks").contains(key) || key.startsWith("x-"));
    }

    @Test
    void eachHaproxyMountsTheReferenceConfigurationReadOnly() throws IOException {
        Path config = root.resolve("haproxy/haproxy.cfg");
        Path spoe = root.resolve("haproxy/room-router.spoe.conf");
        assertThat(config).isRegularFile();
        assertThat(spoe).isRegularFile();
        // haproxy.cfg finds the SPOE file next to itself (default-path config), so the mount keeps its name.
        assertThat(Files.readString(config)).contains("config " + spoe.getFileName());
        for (String name : List.of("haproxy1", "haproxy2")) {
            Map<?, ?> haproxy = service(name);
            assertThat(string(haproxy.get("image"), name + " image")).startsWith("haproxy:");
            List<Mount> mounts = mounts(haproxy, name);
            assertThat(mounts).as(name + " mounts")
                    .contains(new Mount(config.toString(), HAPROXY_CONFIG_DIR + "haproxy.cfg", "ro"),
                            new Mount(spoe.toString(), HAPROXY_CONFIG_DIR + spoe.getFileName(), "ro"));
        }
    }

    @Test
    void eachHaproxySetsEveryAddressAndPathOfTheReferenceConfiguration() throws IOException {
        // Tunables (a timeout, say) may keep haproxy.cfg's defaults; its addresses and paths may not.
        Set<String> variables = new TreeSet<>();
        Matcher matcher = PRESETENV.matcher(Files.readString(root.resolve("haproxy/haproxy.cfg")));
        while (matcher.find()) {
            if (ADDRESS_OR_PATH.matcher(matcher.group(2)).matches()) {
                variables.add(matcher.group(1));
            }
        }
        assertThat(variables).contains("RR_BIND", "RR_GAME1_ADDR", "RR_AGENT_ADDR", "RR_STATS_SOCKET");
        for (String name : List.of("haproxy1", "haproxy2")) {
            Map<?, ?> environment = environment(name);
            assertThat(keys(environment)).as(name + " environment").containsAll(variables);
            for (int i = 1; i <= 3; i++) {
                String game = "game" + i;
                String variable = "RR_GAME" + i + "_ADDR";
                URI address = hostPort(string(environment.get(variable), name + " " + variable));
                assertThat(address.getHost()).as(name + " address of " + game).isEqualTo(game);
                assertThat(address.getPort()).as(name + " port of " + game).isEqualTo(listenPort(game));
            }
        }
    }

    @Test
    void theHaproxiesArePeersThatShareTheRoomsTableAndEachNamesItself() throws IOException {
        String config = Files.readString(root.resolve("haproxy/haproxy.cfg"));
        for (int i = 1; i <= 2; i++) {
            // Quoted or not: the optional peers are unquoted (HAProxy 3.2 warns about an empty quoted argument).
            assertThat(config).containsPattern("peer rr" + i + " \"?\\$\\{RR_PEER" + i + "_ADDR}\"?\n");
        }
        assertThat(config).contains("localpeer \"${RR_PEER_NAME}\"", "peers rr_peers");
        for (int i = 1; i <= 2; i++) {
            String name = "haproxy" + i;
            Map<?, ?> environment = environment(name);
            assertThat(environment.get("RR_PEER_NAME")).as(name + " RR_PEER_NAME").isEqualTo("rr" + i);
            for (String peer : List.of("RR_PEER1_ADDR", "RR_PEER2_ADDR")) {
                assertThat(environment.get(peer)).as(name + " " + peer).isNotNull()
                        .isEqualTo(environment("haproxy1").get(peer));
            }
            // Its own peer entry is where it listens for the other: its fixed address on the peers network.
            Map<?, ?> peers = map(map(service(name).get("networks"), name + " networks").get("peers"),
                    name + " peers network");
            URI own = hostPort(string(environment.get("RR_PEER" + i + "_ADDR"), name + " own peer address"));
            assertThat(own.getHost()).as(name + " own peer address")
                    .isEqualTo(string(peers.get("ipv4_address"), name + " ipv4_address"));
        }
        assertThat(keys(map(compose.get("networks"), "networks"))).contains("peers");
    }

    @Test
    void eachHaproxyPublishesItsOwnPlayerPort() {
        assertThat(publishedPorts("haproxy1")).containsExactly("8081:" + bindPort("haproxy1"));
        assertThat(publishedPorts("haproxy2")).containsExactly("8082:" + bindPort("haproxy2"));
    }

    @Test
    void eachAgentIsTheSidecarOfItsOwnHaproxy() {
        Set<String> socketVolumes = new TreeSet<>();
        for (int i = 1; i <= 2; i++) {
            String agentName = "agent" + i;
            String haproxyName = "haproxy" + i;
            Map<?, ?> agent = service(agentName);
            Map<?, ?> haproxyEnvironment = environment(haproxyName);
            assertThat(agent.get("network_mode")).as(agentName + " network_mode").isEqualTo("service:" + haproxyName);

            List<String> args = strings(agent.get("command"), agentName + " command");
            // Sharing the network namespace is what lets both ends stay on loopback.
            String agentAddress = string(haproxyEnvironment.get("RR_AGENT_ADDR"), haproxyName + " RR_AGENT_ADDR");
            assertThat(hostPort(agentAddress).getHost()).isEqualTo("127.0.0.1");
            assertThat(flag(args, "--listen")).as(agentName + " --listen").contains(agentAddress);

            String socket = string(haproxyEnvironment.get("RR_STATS_SOCKET"), haproxyName + " RR_STATS_SOCKET");
            assertThat(flag(args, "--haproxy-api")).as(agentName + " --haproxy-api").contains("unix:" + socket);
            String socketDir = Path.of(socket).getParent().toString();
            Optional<Mount> agentRun = mountAt(mounts(agent, agentName), socketDir);
            Optional<Mount> haproxyRun = mountAt(mounts(service(haproxyName), haproxyName), socketDir);
            assertThat(agentRun).as(agentName + " volume at " + socketDir).isPresent();
            assertThat(agentRun).as(agentName + " shares " + haproxyName + "'s socket volume").isEqualTo(haproxyRun);
            assertThat(keys(map(compose.get("volumes"), "volumes"))).contains(agentRun.orElseThrow().source());
            socketVolumes.add(agentRun.orElseThrow().source());

            URI redis = URI.create(flag(args, "--redis")
                    .orElseThrow(() -> new AssertionError(agentName + ": no --redis")));
            assertThat(redis.getScheme()).isEqualTo("redis");
            assertThat(redis.getHost()).as(agentName + " Redis host").isEqualTo("redis");
        }
        assertThat(socketVolumes).as("one socket volume per HAProxy").hasSize(2);
    }

    @Test
    void gameServersRunTheDemoGameServer() throws ReflectiveOperationException, IOException {
        Path dockerfile = root.resolve("docker/gameserver.Dockerfile");
        String mainClass = "io.roomrouter.kit.GameServer";
        assertThat(Files.readString(dockerfile)).contains("\"" + mainClass + "\"");
        // The tests module's main code is on this test's classpath: the class the image runs must exist.
        Method main = Class.forName(mainClass).getMethod("main", String[].class);
        assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
        for (int i = 1; i <= 3; i++) {
            String game = "game" + i;
            assertThat(dockerfile(game)).isEqualTo(dockerfile);
            assertThat(flag(strings(service(game).get("command"), game + " command"), "--name")).contains(game);
        }
    }

    @Test
    void agentImageStartsTheAgentThroughTheLauncher() throws IOException {
        Path dockerfile = root.resolve("docker/agent.Dockerfile");
        List<String> lines = Files.readAllLines(dockerfile).stream().map(String::strip).toList();
        String home = "/opt/room-router/";
        // bin/room-router finds jvm.options and the jar from its own path: the image must keep the repository's layout.
        for (String file : List.of("bin/room-router", "agent/jvm.options", "agent/target/room-router-agent.jar")) {
            Pattern copy = Pattern.compile(
                    "COPY (--from=\\S+ )?(\\S*/)?" + Pattern.quote(file) + " " + Pattern.quote(home + file));
            assertThat(lines).as(dockerfile + " copies " + file + " to " + home + file)
                    .anyMatch(line -> copy.matcher(line).matches());
        }
        assertThat(root.resolve("bin/room-router")).isExecutable();
        assertThat(root.resolve("agent/jvm.options")).isRegularFile();
        assertThat(lines).as(dockerfile + " entrypoint").contains("ENTRYPOINT [\"" + home + "bin/room-router\"]");
    }

    @Test
    void buildContextsAndDockerfilesExist() throws IOException {
        for (String name : keys(services())) {
            Map<?, ?> service = service(name);
            if (service.get("build") == null) {
                assertThat(service.get("image")).as(name + " has neither build nor image").isNotNull();
                continue;
            }
            Path context = buildContext(name);
            assertThat(context.resolve("pom.xml")).as(name + " build context holds the Maven reactor").isRegularFile();
            Path dockerfile = dockerfile(name);
            assertThat(dockerfile).isRegularFile();
            assertThat(finalStageUser(dockerfile)).as(dockerfile + " runs as").isNotBlank().isNotIn("root", "0");
        }
        assertThat(dockerfile("agent1")).isEqualTo(root.resolve("docker/agent.Dockerfile"));
        assertThat(dockerfile("agent2")).isEqualTo(root.resolve("docker/agent.Dockerfile"));
    }

    @Test
    void composeCliAcceptsTheFileWhereverADockerClientExists(@TempDir Path tmp) throws IOException, InterruptedException {
        Optional<List<String>> cli = composeCli(tmp);
        if (cli.isEmpty()) {
            // run-tests.sh installs docker-compose as root; a machine with no Docker client at all has nothing that
            // could run the file, and the structural tests above are then the whole check.
            assertThat(hasDockerClient(tmp))
                    .as("a Docker client runs here but no Compose CLI: install docker-compose (run-tests.sh does, as root)")
                    .isFalse();
            return;
        }
        List<String> command = new ArrayList<>(cli.orElseThrow());
        command.addAll(List.of("-f", composeFile.toString(), "config", "-q"));
        Result result = run(command, tmp);
        assertThat(result.exitCode()).as(String.join(" ", command) + " said:\n" + result.output()).isZero();
    }

    private static boolean hasDockerClient(Path tmp) throws InterruptedException {
        try {
            return run(List.of("docker", "--version"), tmp).exitCode() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }

    private static Optional<List<String>> composeCli(Path tmp) throws InterruptedException {
        for (List<String> cli : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(cli);
            version.add("version");
            try {
                if (run(version, tmp).exitCode() == 0) {
                    return Optional.of(cli);
                }
            } catch (IOException notInstalled) {
                // No such program: try the next one.
            }
        }
        return Optional.empty();
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Path tmp) throws IOException, InterruptedException {
        Path output = Files.createTempFile(tmp, "compose", ".log");
        Process process = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + ": still running after 2 minutes");
        }
        return new Result(process.exitValue(), Files.readString(output));
    }

    /** A short-syntax volume, {@code SOURCE:TARGET[:MODE]}, with a relative host path resolved as Compose does. */
    private record Mount(String source, String target, String mode) {

        static Mount parse(String spec, Path base) {
            String[] parts = spec.split(":", -1);
            if (parts.length < 2 || parts.length > 3) {
                throw new AssertionError("volume: " + spec + " (expected: SOURCE:TARGET[:MODE])");
            }
            String source = parts[0].startsWith(".") || parts[0].startsWith("/")
                    ? base.resolve(parts[0]).normalize().toString()
                    : parts[0];
            return new Mount(source, parts[1], parts.length == 3 ? parts[2] : "rw");
        }
    }

    private static List<Mount> mounts(Map<?, ?> service, String name) {
        Path base = composeFile.getParent();
        return strings(service.get("volumes"), name + " volumes").stream().map(v -> Mount.parse(v, base)).toList();
    }

    private static Optional<Mount> mountAt(List<Mount> mounts, String target) {
        return mounts.stream().filter(m -> m.target().equals(target)).findFirst();
    }

    private static Path buildContext(String name) {
        Map<?, ?> build = map(service(name).get("build"), name + " build");
        return composeFile.getParent().resolve(string(build.get("context"), name + " build context")).normalize();
    }

    private static Path dockerfile(String name) {
        Map<?, ?> build = map(service(name).get("build"), name + " build");
        return buildContext(name).resolve(string(build.get("dockerfile"), name + " dockerfile")).normalize();
    }

    /** The last USER instruction after the last FROM: who the image runs as. */
    private static String finalStageUser(Path dockerfile) throws IOException {
        String user = "";
        for (String line : Files.readAllLines(dockerfile)) {
            String instruction = line.strip();
            if (instruction.startsWith("FROM ")) {
                user = "";
            } else if (instruction.startsWith("USER ")) {
                user = instruction.substring("USER ".length()).strip();
            }
        }
        return user;
    }

    private static int listenPort(String game) {
        String listen = flag(strings(service(game).get("command"), game + " command"), "--listen")
                .orElseThrow(() -> new AssertionError(game + ": no --listen"));
        return hostPort(listen).getPort();
    }

    private static int bindPort(String haproxy) {
        return hostPort(string(environment(haproxy).get("RR_BIND"), haproxy + " RR_BIND")).getPort();
    }

    private static List<String> publishedPorts(String name) {
        return strings(service(name).get("ports"), name + " ports");
    }

    private static URI hostPort(String address) {
        URI uri = URI.create("tcp://" + address);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new AssertionError("address: " + address + " (expected: host:port)");
        }
        return uri;
    }

    /** The value of {@code --flag VALUE} or {@code --flag=VALUE}, as the agent and the game server read them. */
    private static Optional<String> flag(List<String> args, String flag) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(flag) && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (args.get(i).startsWith(flag + "=")) {
                return Optional.of(args.get(i).substring(flag.length() + 1));
            }
        }
        return Optional.empty();
    }

    private static Map<?, ?> services() {
        return map(compose.get("services"), "services");
    }

    private static Map<?, ?> service(String name) {
        return map(services().get(name), "service " + name);
    }

    private static Map<?, ?> environment(String name) {
        return map(service(name).get("environment"), name + " environment");
    }

    private static Set<String> keys(Map<?, ?> map) {
        return map.keySet().stream().map(key -> string(key, "key")).collect(Collectors.toSet());
    }

    private static Map<?, ?> map(Object value, String what) {
        if (value instanceof Map<?, ?> map) {
            return map;
        }
        throw new AssertionError(what + ": " + value + " (expected: a mapping)");
    }

    private static String string(Object value, String what) {
        if (value instanceof String string) {
            return string;
        }
        throw new AssertionError(what + ": " + value + " (expected: a string)");
    }

    private static List<String> strings(Object value, String what) {
        if (value instanceof List<?> list) {
            return list.stream().map(item -> string(item, what + " item")).toList();
        }
        throw new AssertionError(what + ": " + value + " (expected: a list of strings)");
    }

    /** The repository root: the nearest folder above the working directory (tests/ under Maven) with docker/. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker/compose.yaml"))) {
                return dir;
            }
        }
        throw new AssertionError("docker/compose.yaml: not found above " + Path.of("").toAbsolutePath());
    }
}
