package io.roomrouter.agent;

import io.roomrouter.store.RedisSettings;
import io.roomrouter.store.RoomLifetimes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The agent's configuration, from its command line. Every value is validated; see {@link #HELP}. */
record AgentOptions(
        HostAndPort listen,
        Optional<String> haproxyApi,
        List<String> servers,
        int serverCapacity,
        int roomSize,
        int maxRoomSize,
        int maxPendingRoomsPerClient,
        int maxRooms,
        Duration roomIdleTimeout,
        Duration reservationWindow,
        Duration stragglerHold,
        Duration refreshInterval,
        int maxFrameSize,
        int ioThreads,
        Duration helloTimeout,
        Duration idleTimeout,
        int maxConnections,
        Optional<String> redis,
        String redisPrefix,
        Duration redisTimeout,
        Optional<Path> redisPasswordFile,
        Optional<RedisPasswordVariable> redisPasswordVariable,
        Optional<Path> redisCaFile,
        Optional<HostAndPort> admin,
        Optional<Path> adminTokenFile,
        int warmupJoins) {

    static final int MAX_ROOM_SIZE = 1000;
    /** HAProxy's default max-frame-size (tune.bufsize 16384 minus the length prefix). */
    static final int DEFAULT_MAX_FRAME_SIZE = 16380;

    static final String HELP = String.join(
            "\n",
            "Usage: bin/room-router [options]",
            "",
            "An SPOE agent for HAProxy that keeps every player of a game room on one backend server.",
            "",
            "Servers (one of the two is required):",
            "  --haproxy-api ADDR          HAProxy's runtime API, unix:/path/to/socket or HOST:PORT; backends,",
            "                              servers, their state, maxconn and connections are read from it",
            "  --servers BACKEND=S1,S2,..  a static inventory instead (repeat for more backends); all servers UP",
            "  --server-capacity N         seats of a server without maxconn, and of static servers (default 100)",
            "",
            "Rooms:",
            "  --room-size N               players per room when the join does not say (default 10, max "
                    + MAX_ROOM_SIZE + ")",
            "  --max-room-size N           the largest size a join may ask for (&size=); larger is rejected",
            "                              (default: --room-size)",
            "  --max-pending-rooms-per-client N",
            "                              new rooms one client (the join's client arg, src by default) may hold",
            "                              while they wait for players; past it a new room is rejected (default 4)",
            "  --max-rooms N               rooms one backend may hold; past it a new room is refused, decision",
            "                              full (default 1000000)",
            "  --room-idle-timeout DUR     a room with no join for this long ends (default 30m)",
            "  --reservation-window DUR    how long a new room holds seats for players not yet arrived (default 60s)",
            "  --straggler-hold DUR        once a room has seen 4 in 5 of its players, how much longer the seats of",
            "                              the rest stay held, within the window (default "
                    + DurationFlag.format(RoomLifetimes.DEFAULT_STRAGGLER_HOLD) + ")",
            "",
            "Shared state (default: in memory, for one HAProxy):",
            "  --redis URI                 share placement through Redis: redis://[:password@]host:port/db,",
            "                              rediss:// for TLS, redis-sentinel:// or a Cluster URI as Lettuce accepts",
            "  --redis-prefix P            prefix of every Redis key (default rr)",
            "  --redis-timeout DUR         longest a join waits for Redis (default 50ms; keep it well below HAProxy's",
            "                              timeout processing); past it a known room keeps its server and a new",
            "                              room is refused for now (decision retry: HAProxy answers 503)",
            "  --redis-password-file PATH  a file holding the Redis password (of the URI's user: rediss://rr@host),",
            "                              so that it shows in no command line; the URI then carries none",
            "                              (or set RR_REDIS_PASSWORD in the agent's environment instead; two",
            "                              sources of the password, URI, file or variable, stop the start)",
            "  --redis-ca-file PATH        PEM certificates a rediss:// server's certificate must chain to",
            "                              (default: the JVM's trust store)",
            "",
            "Agent:",
            "  --listen HOST:PORT          the SPOP listener (default 127.0.0.1:12345, loopback only)",
            "  --admin HOST:PORT           an HTTP endpoint for health and room release (default: off; keep it",
            "                              on loopback, or set --admin-token-file: see the README)",
            "  --admin-token-file PATH     a file holding the bearer token that POST /release (anything but GET)",
            "                              must carry; without it such calls are accepted on loopback only",
            "  --refresh-interval DUR      how often the runtime API is read (default 500ms)",
            "  --max-frame-size N          largest SPOP frame accepted, 256 to 1048576 (default 16380)",
            "  --io-threads N              threads serving SPOP connections (default: one per CPU core, "
                    + defaultIoThreads() + " here)",
            "  --hello-timeout DUR         a new SPOP connection without HAPROXY-HELLO for this long is closed",
            "                              (default 5s; HAProxy's own timeout hello is usually 2s)",
            "  --idle-timeout DUR          an SPOP connection with no frame and no join pending for this long is",
            "                              closed (default 90s: above HAProxy's timeout idle, or timeout server of",
            "                              the agent backend on 3.1+, so that HAProxy closes first)",
            "  --max-connections N         SPOP connections open at once; past it a new one is refused",
            "                              (default 1000; HAProxy opens a few per thread)",
            "  --warmup-joins N            made-up joins run through the decision path at start, before HAProxy's,",
            "                              so that its first players are not slow (default 2000, 0 for none)",
            "  --help                      print this help",
            "",
            "Durations: a number and a unit, ms, s, m or h (500ms, 20s, 30m, 2h).");

    static int defaultIoThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    AgentOptions {
        Objects.requireNonNull(listen, "listen");
        servers = List.copyOf(servers);
    }

    /** Parses the command line, in an environment without {@value RedisPasswordVariable#NAME}. */
    static AgentOptions parse(String... args) {
        return parse(Map.of(), args);
    }

    /**
     * Parses the command line, with the variables of {@code environment} the agent reads (the process's, in
     * {@link Main}); a bad flag or variable throws {@link OptionsException} naming it.
     */
    static AgentOptions parse(Map<String, String> environment, String... args) {
        Builder b = new Builder();
        b.redisPasswordVariable = RedisPasswordVariable.read(environment).orElse(null);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (value == null && !flag.equals("--help")) {
                if (i + 1 >= args.length) {
                    throw new OptionsException(flag + ": missing value (see --help)");
                }
                value = args[++i];
            }
            b.set(flag, value);
        }
        return b.build();
    }

    private static final class Builder {
        private HostAndPort listen = new HostAndPort("127.0.0.1", 12345);
        private String haproxyApi;
        private final List<String> servers = new ArrayList<>();
        private int serverCapacity = 100;
        private int roomSize = 10;
        private Integer maxRoomSize; // --room-size unless given
        private int maxPendingRoomsPerClient = 4;
        private int maxRooms = 1_000_000;
        private Duration roomIdleTimeout = Duration.ofMinutes(30);
        private Duration reservationWindow = Duration.ofSeconds(60);
        private Duration stragglerHold = RoomLifetimes.DEFAULT_STRAGGLER_HOLD;
        private Duration refreshInterval = Duration.ofMillis(500);
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int ioThreads = defaultIoThreads();
        private Duration helloTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(90);
        private int maxConnections = 1000;
        private String redis;
        private String redisPrefix = "rr";
        private Duration redisTimeout = RedisSettings.DEFAULT_TIMEOUT;
        private Path redisPasswordFile;
        private RedisPasswordVariable redisPasswordVariable;
        private Path redisCaFile;
        private HostAndPort admin;
        private Path adminTokenFile;
        private int warmupJoins = 2000;

        void set(String flag, String value) {
            switch (flag) {
                case "--help" -> throw new HelpRequested();
                case "--listen" -> listen = HostAndPort.parse(flag, value);
                case "--haproxy-api" -> haproxyApi = nonEmpty(flag, value);
                case "--servers" -> servers.add(nonEmpty(flag, value));
                case "--server-capacity" -> serverCapacity = integer(flag, value, 1, 1_000_000);
                case "--room-size" -> roomSize = integer(flag, value, 1, MAX_ROOM_SIZE);
                case "--max-room-size" -> maxRoomSize = integer(flag, value, 1, MAX_ROOM_SIZE);
                case "--max-pending-rooms-per-client" -> maxPendingRoomsPerClient = integer(flag, value, 1, 1_000_000);
                case "--max-rooms" -> maxRooms = integer(flag, value, 1, 100_000_000);
                case "--room-idle-timeout" -> roomIdleTimeout = positive(flag, value);
                case "--reservation-window" -> reservationWindow = positive(flag, value);
                case "--straggler-hold" -> stragglerHold = positive(flag, value);
                case "--refresh-interval" -> refreshInterval = positive(flag, value);
                case "--max-frame-size" -> maxFrameSize = integer(flag, value, 256, 1 << 20);
                case "--io-threads" -> ioThreads = integer(flag, value, 1, 256);
                case "--hello-timeout" -> helloTimeout = positive(flag, value);
                case "--idle-timeout" -> idleTimeout = positive(flag, value);
                case "--max-connections" -> maxConnections = integer(flag, value, 1, 1_000_000);
                case "--redis" -> redis = nonEmpty(flag, value);
                case "--redis-prefix" -> redisPrefix = nonEmpty(flag, value);
                case "--redis-timeout" -> redisTimeout = positive(flag, value);
                case "--redis-password-file" -> redisPasswordFile = Path.of(nonEmpty(flag, value));
                case "--redis-ca-file" -> redisCaFile = Path.of(nonEmpty(flag, value));
                case "--admin" -> admin = HostAndPort.parse(flag, value);
                case "--admin-token-file" -> adminTokenFile = Path.of(nonEmpty(flag, value));
                case "--warmup-joins" -> warmupJoins = integer(flag, value, 0, 100_000);
                default -> throw new OptionsException("unknown flag: " + flag + " (see --help)");
            }
        }

        AgentOptions build() {
            if (haproxyApi == null && servers.isEmpty()) {
                throw new OptionsException("servers: none given (expected: --haproxy-api ADDR or --servers BACKEND=S1,...)");
            }
            if (haproxyApi != null && !servers.isEmpty()) {
                throw new OptionsException("--haproxy-api and --servers: both given (expected: one of them)");
            }
            if (roomIdleTimeout.compareTo(reservationWindow) < 0) {
                throw new OptionsException("--room-idle-timeout: " + DurationFlag.format(roomIdleTimeout)
                        + " (expected: >= --reservation-window " + DurationFlag.format(reservationWindow) + ")");
            }
            int maxSize = maxRoomSize == null ? roomSize : maxRoomSize;
            if (maxSize < roomSize) {
                throw new OptionsException("--max-room-size: " + maxSize + " (expected: >= --room-size " + roomSize
                        + ")");
            }
            if (redis == null && (redisPasswordFile != null || redisCaFile != null)) {
                throw new OptionsException((redisPasswordFile != null ? "--redis-password-file" : "--redis-ca-file")
                        + ": given without --redis (expected: --redis URI too)");
            }
            if (redisPasswordVariable != null) {
                checkOnePassword();
            }
            if (adminTokenFile != null && admin == null) {
                throw new OptionsException("--admin-token-file: given without --admin (expected: both, or neither)");
            }
            return new AgentOptions(
                    listen,
                    Optional.ofNullable(haproxyApi),
                    servers,
                    serverCapacity,
                    roomSize,
                    maxSize,
                    maxPendingRoomsPerClient,
                    maxRooms,
                    roomIdleTimeout,
                    reservationWindow,
                    stragglerHold,
                    refreshInterval,
                    maxFrameSize,
                    ioThreads,
                    helloTimeout,
                    idleTimeout,
                    maxConnections,
                    Optional.ofNullable(redis),
                    redisPrefix,
                    redisTimeout,
                    Optional.ofNullable(redisPasswordFile),
                    Optional.ofNullable(redisPasswordVariable),
                    Optional.ofNullable(redisCaFile),
                    Optional.ofNullable(admin),
                    Optional.ofNullable(adminTokenFile),
                    warmupJoins);
        }

        // The variable is one source of the password; the URI and the file are the others. No precedence: an agent
        // that silently preferred one would authenticate with a password the operator did not mean, so two stop it.
        private void checkOnePassword() {
            String name = RedisPasswordVariable.NAME;
            if (redis == null) {
                throw new OptionsException(name + ": set without --redis (expected: --redis URI too, or the variable"
                        + " unset)");
            }
            if (redisPasswordFile != null) {
                throw new OptionsException(name + " and --redis-password-file: both give the Redis password"
                        + " (expected: one of them)");
            }
            if (RedisUris.hasPassword(redis)) {
                throw new OptionsException(name + " and the --redis URI " + RedisUris.redact(redis) + ": both give"
                        + " the Redis password (expected: one of them; the URI then names the user alone, as in"
                        + " rediss://rr@host:6380/0)");
            }
        }

        private static String nonEmpty(String flag, String value) {
            if (value.isBlank()) {
                throw new OptionsException(flag + ": empty (expected: a value, see --help)");
            }
            return value;
        }

        private static int integer(String flag, String value, int min, int max) {
            long parsed;
            try {
                parsed = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new OptionsException(flag + ": '" + value + "' (expected: an integer from " + min + " to " + max + ")");
            }
            if (parsed < min || parsed > max) {
                throw new OptionsException(flag + ": " + parsed + " (expected: " + min + " to " + max + ")");
            }
            return (int) parsed;
        }

        private static Duration positive(String flag, String value) {
            Duration duration = DurationFlag.parse(flag, value.trim().toLowerCase(Locale.ROOT));
            if (duration.isZero()) {
                throw new OptionsException(flag + ": " + value + " (expected: > 0)");
            }
            return duration;
        }
    }

    /** Thrown for {@code --help}: the caller prints {@link #HELP} and exits with success. */
    static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help requested", null, false, false);
        }
    }

    /** The effective configuration, one {@code key=value} per setting, for the start-up log. */
    String describe() {
        return "listen=" + listen
                + " inventory=" + haproxyApi.map(a -> "runtime-api " + a).orElse("static " + String.join(" ", servers))
                + " server-capacity=" + serverCapacity
                + " room-size=" + roomSize
                + " max-room-size=" + maxRoomSize
                + " max-pending-rooms-per-client=" + maxPendingRoomsPerClient
                + " max-rooms=" + maxRooms
                + " room-idle-timeout=" + DurationFlag.format(roomIdleTimeout)
                + " reservation-window=" + DurationFlag.format(reservationWindow)
                + " straggler-hold=" + DurationFlag.format(stragglerHold)
                + " refresh-interval=" + DurationFlag.format(refreshInterval)
                + " max-frame-size=" + maxFrameSize
                + " io-threads=" + ioThreads
                + " hello-timeout=" + DurationFlag.format(helloTimeout)
                + " idle-timeout=" + DurationFlag.format(idleTimeout)
                + " max-connections=" + maxConnections
                + " store=" + redis.map(r -> "redis " + RedisUris.redact(r) + " prefix=" + redisPrefix
                        + " timeout=" + DurationFlag.format(redisTimeout)
                        + redisPasswordFile.map(file -> " password-file=" + file).orElse("")
                        + redisPasswordVariable.map(variable -> " password=" + RedisPasswordVariable.NAME).orElse("")
                        + redisCaFile.map(file -> " ca-file=" + file).orElse("")).orElse("memory")
                + " admin=" + admin.map(HostAndPort::toString).orElse("off")
                + adminTokenFile.map(file -> " admin-token-file=" + file).orElse("")
                + " warmup-joins=" + warmupJoins;
    }
}
